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
                    throw new DataFormatException(file, "line " + rec.getRecordNumber() + 1 + " has " + rec.size() + " columns, header has " + header.size());
                float[] x = new float[features];
                int j = 0;
                for (int c = 0; c < rec.size(); c++) {
                    if (c == labelCol) continue;
                    x[j++] = parseFloat(file, rec, c);
                }
                if (labelCol >= 0) labels.add((int) parseFloat(file, rec, labelCol));
                samples.add(Map.of(input.getName(), TensorData.ofFloats(shape, x)));
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found");
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            if (e instanceof DataFormatException d) throw d;
            throw new DataFormatException(file, "not a readable CSV: " + e.getMessage(), e);
        }
        if (samples.isEmpty()) throw new DataFormatException(file, "no data rows");
        int[] l = labelsOrNull(labels, samples.size());
        return new Dataset(file.getFileName().toString(), samples, l, false, fingerprint(file));
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
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank()).toList();
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found");
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read as UTF-8 text: " + e.getMessage(), e);
        }
        if (lines.isEmpty()) throw new DataFormatException(file, "no text lines");
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
        List<Map<String, TensorData>> samples = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(tokenizerJson,
                Map.of("maxLength", Integer.toString(maxLength), "truncation", "true", "padding", "false"))) {
            for (String line : lines) {
                String text = line;
                int tab = line.lastIndexOf('\t');
                if (tab >= 0) {
                    try {
                        labels.add(Integer.parseInt(line.substring(tab + 1).trim()));
                        text = line.substring(0, tab);
                    } catch (NumberFormatException ignored) {
                        // a tab inside the sentence, not a label
                    }
                }
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
        int[] l = labels.size() == samples.size() ? labelsOrNull(labels, samples.size()) : null;
        return new Dataset(file.getFileName().toString(), samples, l, false, fingerprint(file));
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
