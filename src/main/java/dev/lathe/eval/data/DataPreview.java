package dev.lathe.eval.data;

import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a search will take its calibration and evaluation data from, described for a preview before it starts:
 * the file's structure (image classes and a few of their files, a CSV's first rows, a text's first lines, a
 * NumPy file's arrays) and, given the model, the calibration/evaluation split sizes the search will use, found by
 * the same loaders ({@link EvaluationData}). A problem (a malformed file, data that does not fit the model) is
 * returned as the loader's message, never thrown: a preview always has something to show.
 *
 * @param data      the file or folder described; null when there is none (random inputs)
 * @param found     true when {@code data} is not what was asked for but the file the search finds beside the model
 * @param kind      what the data is
 * @param summary   one line: "1,797 images in 10 classes", "CSV: 360 rows × 65 columns", ...
 * @param content   the kind's details
 * @param split     the sizes the search will calibrate and evaluate on; null without a model or with a problem
 * @param problem   why the data cannot be used (the loader's message), or null
 */
public record DataPreview(Path data, boolean found, Kind kind, String summary, Content content, Split split, String problem) {
    /** Rows of a CSV and lines of a text shown in a preview. */
    public static final int PREVIEW_ROWS = 5;
    /** Image files a preview offers as thumbnails. */
    public static final int THUMBNAILS = 8;

    public enum Kind { NONE, IMAGES, CSV, TEXT, NUMPY, UNKNOWN }

    /** The details of one kind of data. */
    public sealed interface Content permits Images, Table, Text, Arrays, Nothing {}

    /** An image folder: images per class (in label order; one "(unlabelled)" entry without class folders) and a few files, classes taking turns. */
    public record Images(Map<String, Integer> perClass, int count, List<Path> thumbnails) implements Content {}

    /** A CSV: its header, first rows, column and row count; {@code labelled} when one column is {@code label}. */
    public record Table(List<String> header, List<List<String>> rows, int columns, int rowCount, boolean labelled) implements Content {}

    /** Text, one sample per line: the first lines, the count of non-blank lines, token counts when tokenized (null otherwise). */
    public record Text(List<String> firstLines, int lineCount, Integer meanTokens, Integer maxTokens) implements Content {}

    /** A {@code .npy}/{@code .npz}: its arrays. */
    public record Arrays(List<ArrayInfo> arrays) implements Content {}

    public record ArrayInfo(String name, String dtype, long[] shape) {
        public String describe() { return name + " " + dtype + " " + java.util.Arrays.toString(shape); }
    }

    /** No data: random inputs, or a file that could not be read at all. */
    public record Nothing() implements Content {}

    /** The sizes the search calibrates and evaluates on, and where calibration comes from when not the file itself. */
    public record Split(int calibration, int evaluation, String note) {
        public String describe() {
            return String.format(Locale.ROOT, "%,d calibration · %,d evaluation samples", calibration, evaluation) + (note == null ? "" : " (" + note + ")");
        }
    }

    /**
     * Describes {@code data} (null: what the search falls back to) as the search would use it for {@code model}
     * (null: structure only, no split) with {@code shapes} and image preprocessing {@code images} (null: the model's).
     */
    public static DataPreview describe(Path data, Path tokenizer, OnnxModel model, InputShapes shapes, ImagePreprocessing images) {
        boolean found = false;
        if (data == null && model != null) {
            data = EvaluationData.defaultData(model).orElse(null);
            found = data != null;
        }
        if (data == null) {
            return new DataPreview(null, false, Kind.NONE, "No data: random inputs, a last resort (quality then compares outputs only)", new Nothing(),
                    model == null ? null : new Split(16, 16, "random"), null);
        }
        Kind kind = kindOf(data);
        Content content;
        String summary;
        try {
            if (!Files.exists(data)) throw new DataFormatException(data, "not found");
            switch (kind) {
                case IMAGES -> {
                    Images i = images(data);
                    content = i;
                    summary = String.format(Locale.ROOT, "%,d images", i.count()) + (i.perClass().containsKey(UNLABELLED) ? ", unlabelled"
                            : " in " + i.perClass().size() + (i.perClass().size() == 1 ? " class" : " classes"));
                }
                case CSV -> {
                    Table t = table(data);
                    content = t;
                    summary = String.format(Locale.ROOT, "CSV: %,d rows × %d columns", t.rowCount(), t.columns()) + (t.labelled() ? ", labelled" : "");
                }
                case TEXT -> {
                    Text t = text(data);
                    content = t;
                    summary = String.format(Locale.ROOT, "Text: %,d lines", t.lineCount());
                }
                case NUMPY -> {
                    Arrays a = arrays(data);
                    content = a;
                    summary = "NumPy: " + a.arrays().size() + (a.arrays().size() == 1 ? " array" : " arrays");
                }
                default -> throw new DataFormatException(data, "unknown data format (use a folder of images, .npy/.npz NumPy tensors, .csv or .txt)");
            }
        } catch (RuntimeException e) {
            return new DataPreview(data, found, kind, "Cannot read " + data.getFileName(), new Nothing(), null, message(e));
        }
        if (model == null) return new DataPreview(data, found, kind, summary, content, null, null);
        try {
            Split split;
            if (kind == Kind.IMAGES) {
                ImageFolderLoader.Layout.of(model, shapes, data); // the model must take images
                int n = ((Images) content).count();
                int[][] parts = EvaluationData.fixedSplit(n);
                split = new Split(parts[0].length, parts[1].length, "fixed shuffle of " + n);
            } else {
                EvaluationData.Split s = EvaluationData.resolve(model, data, tokenizer, shapes, images);
                String note = switch (kind) {
                    case CSV -> EvaluationData.calibrationBeside(data).map(c -> "calibration from " + c.getFileName()).orElse("the same rows calibrate");
                    case TEXT -> "first two thirds calibrate";
                    default -> "fixed shuffle";
                };
                split = new Split(s.calibration().size(), s.evaluation().size(), note);
                if (kind == Kind.TEXT) {
                    int[] lengths = java.util.stream.Stream.concat(s.calibration().samples().stream(), s.evaluation().samples().stream())
                            .mapToInt(DataPreview::tokens).toArray();
                    Text t = (Text) content;
                    content = new Text(t.firstLines(), t.lineCount(), (int) Math.round(java.util.Arrays.stream(lengths).average().orElse(0)),
                            java.util.Arrays.stream(lengths).max().orElse(0));
                    summary += String.format(Locale.ROOT, ", %d tokens on average, at most %d", ((Text) content).meanTokens(), ((Text) content).maxTokens());
                }
            }
            return new DataPreview(data, found, kind, summary, content, split, null);
        } catch (RuntimeException e) {
            return new DataPreview(data, found, kind, summary, content, null, message(e));
        }
    }

    private static final String UNLABELLED = "(unlabelled)";

    static Kind kindOf(Path data) {
        if (Files.isDirectory(data)) return Kind.IMAGES;
        String name = data.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return Kind.CSV;
        if (name.endsWith(".txt") || name.endsWith(".tsv")) return Kind.TEXT;
        if (name.endsWith(".npy") || name.endsWith(".npz")) return Kind.NUMPY;
        return Kind.UNKNOWN;
    }

    private static Images images(Path folder) {
        ImageFolderLoader.Listing listing = ImageFolderLoader.list(folder);
        Map<String, Integer> perClass = new LinkedHashMap<>();
        List<List<Path>> byClass = new ArrayList<>();
        if (!listing.labelled()) {
            perClass.put(UNLABELLED, listing.size());
            byClass.add(listing.files());
        } else {
            for (String c : listing.classes()) { perClass.put(c, 0); byClass.add(new ArrayList<>()); }
            for (int i = 0; i < listing.size(); i++) {
                String c = listing.classes().get(listing.labels()[i]);
                perClass.merge(c, 1, Integer::sum);
                byClass.get(listing.labels()[i]).add(listing.files().get(i));
            }
        }
        // Classes take turns, so the thumbnails show as many classes as fit.
        List<Path> thumbs = new ArrayList<>();
        for (int round = 0; thumbs.size() < THUMBNAILS; round++) {
            boolean any = false;
            for (List<Path> files : byClass) {
                if (round < files.size() && thumbs.size() < THUMBNAILS) { thumbs.add(files.get(round)); any = true; }
            }
            if (!any) break;
        }
        return new Images(perClass, listing.size(), thumbs);
    }

    private static Table table(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get().parse(r)) {
            List<String> header = p.getHeaderNames();
            if (header.isEmpty()) throw new DataFormatException(file, "no header line");
            List<List<String>> rows = new ArrayList<>();
            int count = 0;
            for (CSVRecord rec : p) {
                if (rows.size() < PREVIEW_ROWS) rows.add(rec.toList());
                count++;
            }
            return new Table(header, rows, header.size(), count, header.contains("label"));
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            if (e instanceof DataFormatException d) throw d;
            throw new DataFormatException(file, "not a readable CSV: " + e.getMessage(), e);
        }
    }

    private static Text text(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read as UTF-8 text: " + e.getMessage(), e);
        }
        List<String> nonBlank = lines.stream().filter(l -> !l.isBlank()).toList();
        if (nonBlank.isEmpty()) throw new DataFormatException(file, "no text lines");
        return new Text(nonBlank.subList(0, Math.min(PREVIEW_ROWS, nonBlank.size())), nonBlank.size(), null, null);
    }

    private static Arrays arrays(Path file) {
        List<ArrayInfo> out = new ArrayList<>();
        for (NpyArray a : NumpyLoader.read(file).values()) out.add(new ArrayInfo(a.name(), a.dtype().numpyName(), a.shape()));
        return new Arrays(out);
    }

    /** A text sample's length: the token ids' last axis. */
    private static int tokens(Map<String, TensorData> sample) {
        long[] shape = sample.values().iterator().next().shape();
        return (int) shape[shape.length - 1];
    }

    /** The loader's message: it already starts with the file name. */
    private static String message(RuntimeException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Whether this preview shows usable data (no problem). */
    public boolean usable() { return problem == null; }
}
