package dev.lathe.eval.data;

import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Picks the data a study scores candidates on. Explicit files win; otherwise a labelled {@code test.csv} or a
 * tokenizer plus a sentences file beside the model; random inputs only as a last resort (and flagged).
 * Text is split at a fixed point (first two thirds calibrate, the rest evaluate) so every candidate is
 * compared on the same sentences; a CSV is taken as held-out data whole.
 */
public final class EvaluationData {
    /** Enough samples for a stable mean, few enough to keep a candidate's evaluation short. */
    public static final int MAX_EVALUATION_SAMPLES = 1000;

    private EvaluationData() {}

    public record Split(Dataset calibration, Dataset evaluation) {}

    public static Split resolve(OnnxModel model, Path data, Path tokenizer, InputShapes shapes) {
        if (data == null) data = besideModel(model, "test.csv").or(() -> besideModel(model, "sentences.txt")).orElse(null);
        if (data == null) {
            Dataset random = DatasetLoader.synthetic(model, shapes, 32, 42);
            return new Split(random.head(16), random.tail(16));
        }
        String name = data.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            Dataset d = DatasetLoader.csv(data, model);
            Dataset calib = besideFile(data, "calibration.csv").map(c -> DatasetLoader.csv(c, model)).orElse(d);
            return new Split(calib, d.head(MAX_EVALUATION_SAMPLES));
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
        throw new DataFormatException(data, "unknown data format (use .csv for tensors with an optional label column, .txt for text one sample per line)");
    }

    private static Optional<Path> besideModel(OnnxModel model, String fileName) {
        if (model.source() == null) return Optional.empty();
        return besideFile(model.source(), fileName);
    }

    private static Optional<Path> besideFile(Path file, String fileName) {
        Path dir = file.toAbsolutePath().getParent();
        Path p = dir.resolve(fileName);
        return Files.isRegularFile(p) && !p.equals(file.toAbsolutePath()) ? Optional.of(p) : Optional.empty();
    }

    /** A {@code tokenizer.json} (or {@code *tokenizer.json}) in the model's folder. */
    public static Optional<Path> findTokenizer(OnnxModel model) {
        if (model.source() == null) return Optional.empty();
        try (Stream<Path> s = Files.list(model.source().toAbsolutePath().getParent())) {
            return s.filter(p -> p.getFileName().toString().endsWith("tokenizer.json")).sorted().findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
