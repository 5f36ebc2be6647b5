package dev.lathe.eval.data;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * NumPy tensors as model input. A {@code .npy} holds the samples of a single-input model along its first axis;
 * an {@code .npz} (a zip of {@code .npy} files, as {@code np.savez} writes it) holds one array per model input,
 * named like the input, and optionally an integer {@code labels} array with one class per sample.
 */
public final class NumpyLoader {
    /** The name of the optional label array in an {@code .npz}. */
    public static final String LABELS = "labels";
    // np.savez(f, x) without a name stores arr_0; accepted for single-input models.
    private static final String UNNAMED = "arr_0";

    private NumpyLoader() {}

    /** Every sample of a {@code .npy} or {@code .npz}, in file order. */
    public static Dataset load(Path file, OnnxModel model) {
        Matched m = match(file, model);
        int[] all = new int[m.count];
        Arrays.setAll(all, i -> i);
        return m.samples(all, "");
    }

    /** The arrays of the file matched to the model's inputs, checked, and ready to be cut into samples. */
    static Matched match(Path file, OnnxModel model) {
        Map<String, NpyArray> arrays = read(file);
        boolean npz = isNpz(file);
        List<ValueInfoProto> inputs = InputShapes.realInputs(model.proto().getGraph());
        Map<ValueInfoProto, NpyArray> feeds = new LinkedHashMap<>();
        if (!npz) {
            if (inputs.size() != 1)
                throw new DataFormatException(file, "a .npy holds one array but the model has " + inputs.size() + " inputs (" + names(inputs)
                        + "); save an .npz with one array per input, e.g. np.savez(f, " + String.join("=..., ", inputs.stream().map(ValueInfoProto::getName).toList()) + "=...)");
            feeds.put(inputs.get(0), arrays.values().iterator().next());
        } else {
            for (ValueInfoProto v : inputs) {
                NpyArray a = arrays.get(v.getName());
                if (a == null && inputs.size() == 1) a = arrays.get(UNNAMED);
                if (a == null)
                    throw new DataFormatException(file, "no array named '" + v.getName() + "' for model input '" + v.getName() + "' (the file holds "
                            + String.join(", ", arrays.keySet()) + ")");
                feeds.put(v, a);
            }
            for (String name : arrays.keySet())
                if (!name.equals(LABELS) && feeds.values().stream().noneMatch(a -> a.name().equals(name)))
                    throw new DataFormatException(file, "array '" + name + "' is neither a model input (" + names(inputs) + ") nor '" + LABELS + "'");
        }
        int count = -1;
        String countFrom = null;
        for (var e : feeds.entrySet()) {
            NpyArray a = e.getValue();
            checkFits(file, e.getKey(), a, npz);
            int n = (int) a.shape()[0];
            if (count >= 0 && n != count)
                throw new DataFormatException(file, "array '" + a.name() + "' has " + n + " samples but '" + countFrom + "' has " + count);
            count = n;
            countFrom = a.name();
        }
        if (count == 0) throw new DataFormatException(file, "no samples: the first axis of '" + countFrom + "' is 0");
        int[] labels = npz && arrays.containsKey(LABELS) ? labels(file, arrays.get(LABELS), count, model) : null;
        return new Matched(file, feeds, count, labels);
    }

    /** The matched arrays; {@link #samples} cuts the chosen samples out of them. */
    record Matched(Path file, Map<ValueInfoProto, NpyArray> feeds, int count, int[] labels) {
        Dataset samples(int[] indices, String part) {
            List<Map<String, TensorData>> samples = new ArrayList<>(indices.length);
            for (int i : indices) {
                Map<String, TensorData> sample = new LinkedHashMap<>();
                for (var e : feeds.entrySet()) {
                    NpyArray a = e.getValue();
                    long[] shape = a.shape().clone();
                    shape[0] = 1;
                    int per = Math.toIntExact(TensorData.elementCount(shape));
                    long offset = (long) i * per;
                    boolean floatInput = e.getKey().getType().getTensorType().getElemType() == TensorProto.DataType.FLOAT_VALUE;
                    sample.put(e.getKey().getName(), floatInput ? TensorData.ofFloats(shape, a.floats(offset, per)) : TensorData.ofLongs(shape, a.longs(offset, per)));
                }
                samples.add(sample);
            }
            int[] l = null;
            if (labels != null) {
                l = new int[indices.length];
                for (int k = 0; k < indices.length; k++) l[k] = labels[indices[k]];
            }
            String what = feeds.values().stream().map(a -> a.name() + " " + a.dtype().numpyName() + Arrays.toString(a.shape())).reduce((x, y) -> x + ", " + y).orElse("");
            return new Dataset(file.getFileName() + " (" + what + (labels != null ? ", labelled" : "") + ")" + part, samples, l, false, DatasetLoader.fingerprint(file));
        }
    }

    /** First axis: samples. Every other axis must equal the input's where the model fixes it; dynamic axes take the array's size. */
    private static void checkFits(Path file, ValueInfoProto input, NpyArray a, boolean npz) {
        String array = npz ? "array '" + a.name() + "'" : "the array";
        int type = input.getType().getTensorType().getElemType();
        boolean floatInput = type == TensorProto.DataType.FLOAT_VALUE;
        if (!floatInput && type != TensorProto.DataType.INT64_VALUE && type != TensorProto.DataType.INT32_VALUE)
            throw new DataFormatException(file, "model input '" + input.getName() + "' takes " + MutableGraph.elementTypeName(type) + " data, which Lathe cannot feed");
        if (!floatInput && a.dtype().isFloat())
            throw new DataFormatException(file, array + " holds " + a.dtype().numpyName() + " but model input '" + input.getName() + "' takes "
                    + MutableGraph.elementTypeName(type) + "; save integers, e.g. a.astype(np.int64)");
        TensorShapeProto declared = input.getType().getTensorType().getShape();
        long[] shape = a.shape();
        String fit = array + " " + Arrays.toString(shape) + " does not fit model input '" + input.getName() + "' " + MutableGraph.describe(input) + ": ";
        if (shape.length != declared.getDimCount())
            throw new DataFormatException(file, fit + "it has " + shape.length + " axes, the input has " + declared.getDimCount()
                    + " (the first axis counts the samples)");
        if (shape.length == 0) throw new DataFormatException(file, fit + "a scalar input has no axis to hold samples");
        if (declared.getDim(0).hasDimValue() && declared.getDim(0).getDimValue() > 1)
            throw new DataFormatException(file, fit + "the model fixes the batch at " + declared.getDim(0).getDimValue() + "; Lathe feeds one sample at a time");
        for (int k = 1; k < shape.length; k++) {
            var d = declared.getDim(k);
            if (d.hasDimValue() && d.getDimValue() > 0 && d.getDimValue() != shape[k])
                throw new DataFormatException(file, fit + "axis " + k + " is " + shape[k] + ", the model needs " + d.getDimValue());
        }
    }

    private static int[] labels(Path file, NpyArray a, int count, OnnxModel model) {
        if (a.dtype().isFloat() || a.dtype() == NpyArray.DType.BOOL)
            throw new DataFormatException(file, "'" + LABELS + "' holds " + a.dtype().numpyName() + "; class labels must be integers, e.g. labels.astype(np.int64)");
        if (a.shape().length != 1)
            throw new DataFormatException(file, "'" + LABELS + "' has shape " + Arrays.toString(a.shape()) + "; it needs one class index per sample, shape [" + count + "]");
        if (a.shape()[0] != count)
            throw new DataFormatException(file, "'" + LABELS + "' has " + a.shape()[0] + " entries for " + count + " samples");
        long[] raw = a.longs(0, count);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            if (raw[i] < 0 || raw[i] > Integer.MAX_VALUE) throw new DataFormatException(file, "'" + LABELS + "'[" + i + "] is " + raw[i] + "; class labels are 0 or more");
            labels[i] = (int) raw[i];
        }
        DatasetLoader.checkLabels(file, labels, model, i -> "'" + LABELS + "'[" + i + "]");
        return labels;
    }

    static boolean isNpz(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npz");
    }

    /** The file's arrays by name: one for a {@code .npy} (named after the file), every {@code *.npy} entry of an {@code .npz}. */
    static Map<String, NpyArray> read(Path file) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        try {
            if (!isNpz(file)) {
                checkSize(file, Files.size(file), null);
                String name = file.getFileName().toString();
                String stem = name.substring(0, name.length() - 4);
                NpyArray a = NpyArray.parse(Files.readAllBytes(file), file, null);
                out.put(stem, new NpyArray(stem, a.dtype(), a.shape(), a.data()));
                return out;
            }
            try (ZipFile zip = new ZipFile(file.toFile())) {
                Enumeration<? extends ZipEntry> entries = zip.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry e = entries.nextElement();
                    if (e.isDirectory() || !e.getName().endsWith(".npy")) continue;
                    String name = e.getName().substring(0, e.getName().length() - 4);
                    checkSize(file, e.getSize(), name);
                    byte[] bytes;
                    try (InputStream in = zip.getInputStream(e)) {
                        bytes = in.readAllBytes();
                    }
                    out.put(name, NpyArray.parse(bytes, file, name));
                }
            }
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found");
        } catch (ZipException e) {
            throw new DataFormatException(file, "not a readable .npz (zip) archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new DataFormatException(file, "the .npz holds no .npy arrays");
        return out;
    }

    private static void checkSize(Path file, long bytes, String name) {
        if (bytes > Integer.MAX_VALUE - 64)
            throw new DataFormatException(file, (name == null ? "" : "array '" + name + "': ") + bytes + " bytes is more than Lathe loads at once (2 GiB); save a subset of the samples");
    }

    private static String names(List<ValueInfoProto> inputs) {
        return String.join(", ", inputs.stream().map(ValueInfoProto::getName).toList());
    }
}
