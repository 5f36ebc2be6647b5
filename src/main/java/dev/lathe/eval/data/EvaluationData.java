package dev.lathe.eval.data;

import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Picks the data a study scores candidates on. Explicit files win; otherwise a labelled {@code test.csv} or a
 * tokenizer plus a sentences file beside the model; random inputs only as a last resort (and flagged).
 * The split between calibration and evaluation is fixed, so every candidate is compared on the same samples:
 * <ul>
 * <li>CSV: the file is held-out data and evaluates whole (up to {@value #MAX_EVALUATION_SAMPLES} rows); a
 * {@code calibration.csv} beside it calibrates, else the same rows do.</li>
 * <li>Text: the first two thirds of the lines calibrate, the last third evaluates. For a decoder each line is a token
 * sequence ({@link DecoderText}); a {@code text.txt} beside a decoder is its default data.</li>
 * <li>Image folders and {@code .npy}/{@code .npz}: the samples are put in one fixed pseudo-random order (seed
 * {@value #SPLIT_SEED}), so sorted class folders or label-sorted arrays still give both parts every class; the
 * first two thirds of that order calibrate (at most {@value #MAX_CALIBRATION_SAMPLES}), the last third evaluates.
 * Only those samples are decoded.</li>
 * </ul>
 */
public final class EvaluationData {
    /** Enough samples for a stable mean, few enough to keep a candidate's evaluation short. */
    public static final int MAX_EVALUATION_SAMPLES = 1000;
    /** As many calibration samples as candidate building uses ({@code CandidateBuilder.MAX_CALIBRATION_SAMPLES}). */
    public static final int MAX_CALIBRATION_SAMPLES = 512;
    /** Seed of the fixed order image folders and NumPy files are split in; changing it changes every such study's samples. */
    public static final long SPLIT_SEED = 42;

    private EvaluationData() {}

    public record Split(Dataset calibration, Dataset evaluation) {}

    /** Images are preprocessed as the model's {@code preprocessor_config.json} says, or only scaled to [0, 1]. */
    public static Split resolve(OnnxModel model, Path data, Path tokenizer, InputShapes shapes) {
        return resolve(model, data, tokenizer, shapes, null);
    }

    /**
     * Loads and splits the data; the loader follows the path: a folder holds images, {@code .npy}/{@code .npz}
     * NumPy tensors, {@code .csv} flattened samples, {@code .txt}/{@code .tsv} text. {@code images} null means
     * the model's own preprocessing (see {@link ImagePreprocessing#forModel}).
     */
    public static Split resolve(OnnxModel model, Path data, Path tokenizer, InputShapes shapes, ImagePreprocessing images) {
        if (data == null) data = defaultData(model).orElse(null);
        if (data == null) {
            Dataset random = DatasetLoader.synthetic(model, shapes, 32, 42);
            return new Split(random.head(16), random.tail(16));
        }
        if (!Files.exists(data)) throw new DataFormatException(data, "not found");
        String name = data.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Files.isDirectory(data)) {
            ImagePreprocessing preprocessing = images != null ? images : ImagePreprocessing.forModel(model);
            ImageFolderLoader.Listing listing = ImageFolderLoader.list(data);
            int[][] parts = fixedSplit(listing.size());
            return new Split(ImageFolderLoader.load(listing, parts[0], model, shapes, preprocessing, part("calibration", parts[0].length, listing.size())),
                    ImageFolderLoader.load(listing, parts[1], model, shapes, preprocessing, part("evaluation", parts[1].length, listing.size())));
        }
        if (name.endsWith(".npy") || name.endsWith(".npz")) {
            NumpyLoader.Matched matched = NumpyLoader.match(data, model);
            int[][] parts = fixedSplit(matched.count());
            return new Split(withPart(matched.samples(parts[0], part("calibration", parts[0].length, matched.count())), "calibration"),
                    withPart(matched.samples(parts[1], part("evaluation", parts[1].length, matched.count())), "evaluation"));
        }
        if (name.endsWith(".csv")) {
            Dataset d = DatasetLoader.csv(data, model);
            Dataset calib = calibrationBeside(data).map(c -> DatasetLoader.csv(c, model)).orElse(d);
            return new Split(calib, d.head(MAX_EVALUATION_SAMPLES));
        }
        if (name.endsWith(".txt") && dev.lathe.model.DecoderModel.isDecoder(model)) {
            Path tok = tokenizer != null ? tokenizer : findTokenizer(model).orElse(null);
            Dataset d = DecoderText.load(data, tok, model, Math.max(DecoderText.MAX_TOKENS, shapes.sequenceLength()));
            int cut = d.size() >= 3 ? d.size() * 2 / 3 : 0;
            return new Split(cut == 0 ? d : d.head(cut), (cut == 0 ? d : d.tail(cut)).head(MAX_EVALUATION_SAMPLES));
        }
        if (name.endsWith(".txt") || name.endsWith(".tsv")) {
            Path tok = tokenizer != null ? tokenizer : findTokenizer(model).orElseThrow(() -> new DataFormatException(
                    java.nio.file.Path.of(name), "text data needs a tokenizer: pass --tokenizer FILE (a HuggingFace tokenizer.json)"));
            int maxLen = Math.max(8, shapes.sequenceLength());
            Dataset d = DatasetLoader.text(data, tok, model, maxLen);
            int cut = d.size() * 2 / 3;
            Dataset eval = d.tail(cut);
            return new Split(d.head(cut), eval.head(MAX_EVALUATION_SAMPLES));
        }
        throw new DataFormatException(data, "unknown data format (use a folder of images, .npy/.npz NumPy tensors, .csv for flattened samples"
                + " with an optional label column, or .txt for text, one sample per line)");
    }

    /**
     * Indices of the calibration and evaluation samples among {@code n}: a fixed shuffle, two thirds then one
     * third, each capped. With fewer than three samples all of them serve both purposes.
     */
    static int[][] fixedSplit(int n) {
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) order.add(i);
        // java.util.Random's sequence is specified, so this order is the same on every JDK and machine.
        Collections.shuffle(order, new Random(SPLIT_SEED));
        int cut = n >= 3 ? n * 2 / 3 : n;
        int[] calibration = order.subList(0, Math.min(cut, MAX_CALIBRATION_SAMPLES)).stream().mapToInt(Integer::intValue).toArray();
        List<Integer> rest = cut < n ? order.subList(cut, n) : order;
        int[] evaluation = rest.subList(0, Math.min(rest.size(), MAX_EVALUATION_SAMPLES)).stream().mapToInt(Integer::intValue).toArray();
        return new int[][] {calibration, evaluation};
    }

    private static String part(String what, int taken, int total) {
        return " [" + what + ": " + taken + " of " + total + ", fixed shuffle]";
    }

    /** Both parts of one file share its hash; the part keeps their fingerprints apart. */
    private static Dataset withPart(Dataset d, String part) {
        return new Dataset(d.description(), d.samples(), d.labels(), d.synthetic(), d.fingerprint() + ":" + part);
    }

    /** The data a search takes when given none: a labelled {@code test.csv} or a {@code sentences.txt} beside the model. */
    public static Optional<Path> defaultData(OnnxModel model) {
        if (model.source() == null) return Optional.empty();
        // A decoder's text (next-token agreement, perplexity) is a text.txt beside it; a sentences file serves too.
        return defaultDataBeside(model.source()).or(() -> dev.lathe.model.DecoderModel.isDecoder(model) ? besideFile(model.source(), "text.txt") : Optional.empty());
    }

    /** {@link #defaultData} for a model file not loaded yet (the window prefills its form with it). */
    public static Optional<Path> defaultDataBeside(Path modelFile) {
        return besideFile(modelFile, "test.csv").or(() -> besideFile(modelFile, "sentences.txt"));
    }

    /** The {@code calibration.csv} beside a CSV of evaluation data, which then calibrates instead of the file itself. */
    static Optional<Path> calibrationBeside(Path csv) {
        return besideFile(csv, "calibration.csv");
    }

    private static Optional<Path> besideFile(Path file, String fileName) {
        Path dir = file.toAbsolutePath().getParent();
        Path p = dir.resolve(fileName);
        return Files.isRegularFile(p) && !p.equals(file.toAbsolutePath()) ? Optional.of(p) : Optional.empty();
    }

    /** A {@code tokenizer.json} (or {@code *tokenizer.json}) in the model's folder. */
    public static Optional<Path> findTokenizer(OnnxModel model) {
        return model.source() == null ? Optional.empty() : tokenizerBeside(model.source());
    }

    /** {@link #findTokenizer} for a model file not loaded yet. */
    public static Optional<Path> tokenizerBeside(Path modelFile) {
        Path dir = modelFile.toAbsolutePath().getParent();
        if (dir == null) return Optional.empty();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith("tokenizer.json")).sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
