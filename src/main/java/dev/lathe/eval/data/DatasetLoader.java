package dev.lathe.eval.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the user's files into {@link Dataset}s matched to a model's inputs, or explains why it cannot. */
public final class DatasetLoader {
    private DatasetLoader() {}

    /**
     * A CSV with a header: each row is one sample flattened row-major in the model's (single) input layout,
     * with an optional integer {@code label} column.
     */
    public static Dataset csv(Path file, OnnxModel model) {
        List<ValueInfoProto> inputs = InputShapes.realInputs(model.proto().getGraph());
        if (inputs.size() != 1)
            throw new DataFormatException(file, "CSV data feeds models with one input; this model has " + inputs.size() + " (" + names(inputs) + ")");
        ValueInfoProto input = inputs.get(0);
        if (input.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE)
            throw new DataFormatException(file, "CSV data is float; model input " + input.getName() + " is not float32");
        long[] shape = InputShapes.of(1, 1).resolve(input);
        long perSample = TensorData.elementCount(shape);
        List<Map<String, TensorData>> samples = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get().parse(r)) {
            List<String> header = p.getHeaderNames();
            int labelCol = header.indexOf("label");
            int features = header.size() - (labelCol >= 0 ? 1 : 0);
            if (features != perSample)
                throw new DataFormatException(file, "rows have " + features + " values but input " + input.getName() + " needs " + perSample + " per sample (shape " + java.util.Arrays.toString(shape) + ")");
            for (CSVRecord rec : p) {
                if (rec.size() != header.size())
                    throw new DataFormatException(file, "line " + (rec.getRecordNumber() + 1) + " has " + rec.size() + " columns, header has " + header.size());
                float[] x = new float[features];
                int j = 0;
                for (int c = 0; c < rec.size(); c++) {
                    if (c == labelCol) continue;
                    x[j++] = parseFloat(file, rec, c);
                }
                if (labelCol >= 0) labels.add(parseLabel(file, rec, labelCol));
                samples.add(Map.of(input.getName(), TensorData.ofFloats(shape, x)));
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found");
        } catch (java.io.UncheckedIOException e) { // the parser's iterator wraps its CSVException (an unclosed quote, ...)
            throw new DataFormatException(file, "not a readable CSV: " + e.getCause().getMessage(), e);
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            if (e instanceof DataFormatException d) throw d;
            throw new DataFormatException(file, "not a readable CSV: " + e.getMessage(), e);
        }
        if (samples.isEmpty()) throw new DataFormatException(file, "no data rows");
        int[] l = labelsOrNull(labels, samples.size());
        if (l != null) checkLabels(file, l, model, i -> "label " + l[i] + " on line " + (i + 2));
        return new Dataset(file.getFileName().toString(), samples, l, false, fingerprint(file));
    }

    /** A class index: a whole number, written {@code 3} or {@code 3.0} (pandas writes the latter for float columns). */
    private static int parseLabel(Path file, CSVRecord rec, int col) {
        String text = rec.get(col);
        try {
            double v = Double.parseDouble(text);
            if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) throw new NumberFormatException();
            return (int) v;
        } catch (NumberFormatException e) {
            throw new DataFormatException(file, "line " + (rec.getRecordNumber() + 1) + ": label '" + text + "' is not a class index (a whole number, 0 or more)");
        }
    }

    private static float parseFloat(Path file, CSVRecord rec, int col) {
        try {
            return Float.parseFloat(rec.get(col));
        } catch (NumberFormatException e) {
            throw new DataFormatException(file, "line " + (rec.getRecordNumber() + 1) + ", column " + (col + 1) + ": '" + rec.get(col) + "' is not a number");
        }
    }

    /**
     * A text file, one sample per line (an optional tab-separated integer label after it), tokenized with the
     * model's {@code tokenizer.json}; sequences are cut at {@code maxLength} tokens.
     */
    public static Dataset text(Path file, Path tokenizerJson, OnnxModel model, int maxLength) {
        List<String> all;
        try {
            all = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found");
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read as UTF-8 text: " + e.getMessage(), e);
        }
        List<String> lines = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        for (int i = 0; i < all.size(); i++)
            if (!all.get(i).isBlank()) { lines.add(all.get(i)); lineNumbers.add(i + 1); }
        if (lines.isEmpty()) throw new DataFormatException(file, "no text lines");
        List<String> texts = new ArrayList<>(lines.size());
        int[] labelled = textLabels(file, lines, lineNumbers, texts);
        if (!Files.isRegularFile(tokenizerJson)) throw new DataFormatException(tokenizerJson, "tokenizer file not found");
        List<ValueInfoProto> inputs = InputShapes.realInputs(model.proto().getGraph());
        for (ValueInfoProto v : inputs) {
            int type = v.getType().getTensorType().getElemType();
            if (type != TensorProto.DataType.INT64_VALUE && type != TensorProto.DataType.INT32_VALUE)
                throw new DataFormatException(file, "text becomes token ids, but model input '" + v.getName() + "' takes " +
                        dev.lathe.model.MutableGraph.elementTypeName(type) + " data; use a .csv of tensors for this model");
        }
        for (ValueInfoProto v : inputs)
            if (role(v.getName()) == null)
                throw new DataFormatException(file, "cannot tell what to feed model input '" + v.getName() + "' from text (expected ids, attention mask or token type ids)");
        if (labelled != null) checkLabels(file, labelled, model, i -> "label " + labelled[i] + " on line " + lineNumbers.get(i));
        List<Map<String, TensorData>> samples = new ArrayList<>();
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("maxLength", Integer.toString(maxLength), "truncation", "true", "padding", "false"))) {
            for (String text : texts) {
                Encoding enc = tok.encode(text);
                long[] shape = {1, enc.getIds().length};
                Map<String, TensorData> sample = new LinkedHashMap<>();
                for (ValueInfoProto v : inputs) {
                    long[] values = switch (role(v.getName())) {
                        case "mask" -> enc.getAttentionMask();
                        case "type" -> enc.getTypeIds();
                        default -> enc.getIds();
                    };
                    sample.put(v.getName(), TensorData.ofLongs(shape, values));
                }
                samples.add(sample);
            }
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(tokenizerJson, "cannot load or apply the tokenizer: " + e.getMessage(), e);
        }
        return new Dataset(file.getFileName().toString(), samples, labelled, false, fingerprint(file));
    }

    /**
     * Splits each line at its last tab into text and label. A label is required to be a class index: a line that
     * has a tab but no whole number after it is an error rather than a sentence with a tab in it, and either every
     * line is labelled or none, so a missing label cannot silently drop the labels of the whole file.
     */
    private static int[] textLabels(Path file, List<String> lines, List<Integer> lineNumbers, List<String> texts) {
        int[] labels = new int[lines.size()];
        int firstLabelled = -1, firstUnlabelled = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int tab = line.lastIndexOf('\t');
            if (tab < 0) {
                texts.add(line);
                if (firstUnlabelled < 0) firstUnlabelled = i;
                continue;
            }
            String label = line.substring(tab + 1).strip();
            try {
                labels[i] = Integer.parseInt(label);
            } catch (NumberFormatException e) {
                throw new DataFormatException(file, "line " + lineNumbers.get(i) + ": label '" + label + "' after the tab is not a class index (a whole number)");
            }
            if (labels[i] < 0) throw new DataFormatException(file, "line " + lineNumbers.get(i) + ": label " + labels[i] + " is negative");
            texts.add(line.substring(0, tab));
            if (firstLabelled < 0) firstLabelled = i;
        }
        if (firstLabelled < 0) return null;
        if (firstUnlabelled >= 0)
            throw new DataFormatException(file, "line " + lineNumbers.get(firstUnlabelled) + " has no label but line " + lineNumbers.get(firstLabelled)
                    + " has one; label every line (text, a tab, a class index) or none");
        return labels;
    }

    private static String role(String inputName) {
        String n = inputName.toLowerCase(Locale.ROOT);
        if (n.contains("mask")) return "mask";
        if (n.contains("type") || n.contains("segment")) return "type";
        if (n.contains("ids") || n.contains("input")) return "ids";
        return null;
    }

    /** Random inputs: the last resort, flagged {@code synthetic} so every report shows it. */
    public static Dataset synthetic(OnnxModel model, InputShapes shapes, int count, long seed) {
        List<Map<String, TensorData>> samples = new ArrayList<>();
        InputShapes single = shapes.singleSample();
        for (int i = 0; i < count; i++) samples.add(SyntheticInputs.generate(model, single, seed + i));
        return new Dataset("random inputs (" + count + " samples, seed " + seed + ")", samples, null, true, "random:" + seed + ":" + count);
    }

    /** Every image of a folder (class sub-folders give labels), in listing order; see {@link ImageFolderLoader}. */
    public static Dataset images(Path folder, OnnxModel model, InputShapes shapes, ImagePreprocessing preprocessing) {
        return ImageFolderLoader.load(folder, model, shapes, preprocessing);
    }

    /** Every sample of a {@code .npy} or {@code .npz}, in file order; see {@link NumpyLoader}. */
    public static Dataset numpy(Path file, OnnxModel model) {
        return NumpyLoader.load(file, model);
    }

    /**
     * The number of classes a classifier's first output scores, when the model fixes it: the last axis of a
     * rank-2 output. Empty for other outputs, whose labels cannot be checked ahead of running.
     */
    public static java.util.OptionalInt classCount(OnnxModel model) {
        var outputs = model.proto().getGraph().getOutputList();
        if (outputs.isEmpty()) return java.util.OptionalInt.empty();
        var shape = outputs.get(0).getType().getTensorType().getShape();
        if (shape.getDimCount() != 2 || !shape.getDim(1).hasDimValue() || shape.getDim(1).getDimValue() < 1) return java.util.OptionalInt.empty();
        return java.util.OptionalInt.of(Math.toIntExact(shape.getDim(1).getDimValue()));
    }

    /** Rejects labels no class of the model can match; {@code where} names the offending label for the message. */
    static void checkLabels(Path file, int[] labels, OnnxModel model, java.util.function.IntFunction<String> where) {
        String output = model.proto().getGraph().getOutputCount() > 0 ? model.proto().getGraph().getOutput(0).getName() : "?";
        java.util.OptionalInt classes = classCount(model);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) throw new DataFormatException(file, where.apply(i) + " is negative; class labels are 0 or more");
            if (classes.isPresent() && labels[i] >= classes.getAsInt())
                throw new DataFormatException(file, where.apply(i) + " is out of range: model output '" + output + "' has "
                        + classes.getAsInt() + " classes (0.." + (classes.getAsInt() - 1) + ")");
        }
    }

    private static int[] labelsOrNull(List<Integer> labels, int n) {
        if (labels.isEmpty()) return null;
        return labels.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String names(List<ValueInfoProto> inputs) {
        return String.join(", ", inputs.stream().map(ValueInfoProto::getName).toList());
    }

    static String fingerprint(Path file) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(file));
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }
}
