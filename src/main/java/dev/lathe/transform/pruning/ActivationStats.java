package dev.lathe.transform.pruning;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtException;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import org.ejml.data.DMatrixRMaj;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Second moments of the activations each group's consumer layer reads, on calibration data: for every group
 * the Gram matrix of [x, 1] summed over all calibration rows (tokens, or samples). Both activation-aware
 * ranking (the diagonal) and least-squares repair (the whole matrix) need nothing more, since the original
 * layer output is itself a linear function of x.
 */
public final class ActivationStats {
    private final Map<String, DMatrixRMaj> gram;
    private final long rows;

    private ActivationStats(Map<String, DMatrixRMaj> gram, long rows) {
        this.gram = gram;
        this.rows = rows;
    }

    /** The (units*width + 1)-square Gram matrix for a group; the last row/column is the constant 1. */
    public DMatrixRMaj gram(String groupId) {
        return gram.get(groupId);
    }

    public boolean has(String groupId) { return gram.containsKey(groupId); }

    /** Statistics gathered before ({@link dev.lathe.search.PreparationCache} keeps them between studies). */
    public static ActivationStats of(Map<String, DMatrixRMaj> gram, long rows) {
        return new ActivationStats(new LinkedHashMap<>(gram), rows);
    }

    /** Every group's Gram matrix, in the order gathered (read-only). */
    public Map<String, DMatrixRMaj> grams() { return java.util.Collections.unmodifiableMap(gram); }

    public long rows() { return rows; }

    /**
     * Runs the original model once per calibration sample. The Gram matrices are computed inside ONNX Runtime
     * (nodes appended to a copy of the graph: reshape to rows, XᵀX, column sums, row count), which is far faster
     * than multiplying in Java and copies back only U² numbers per sample instead of every activation.
     * One thread, so the statistics (and every candidate rebuilt from them) are reproducible.
     */
    public static ActivationStats collect(OnnxModel original, List<PrunableGroup> groups, List<Map<String, TensorData>> samples)
            throws OrtException {
        Map<String, String> tensorOf = new LinkedHashMap<>();
        Map<String, Long> widthOf = new LinkedHashMap<>();
        Map<String, ai.onnx.proto.OnnxMl.NodeProto> convOf = new LinkedHashMap<>(); // convolution inputs: statistics over kernel windows
        MutableGraph probe = MutableGraph.of(original);
        for (PrunableGroup g : groups) {
            if (g.consumer() == null) continue;
            tensorOf.put(g.id(), g.consumer().input());
            var w = probe.initializer(g.consumer().weight());
            if (g.consumer().convolution()) {
                long windows = Tensors.elementCount(w) / w.getDims(0);
                if (windows > MAX_WINDOW_FEATURES) { tensorOf.remove(g.id()); continue; } // too wide: magnitude, no repair
                widthOf.put(g.consumer().input(), windows);
                for (var n : probe.nodes())
                    if (n.getOpType().equals("Conv") && n.getInput(1).equals(w.getName())) convOf.put(g.consumer().input(), n);
            } else {
                widthOf.put(g.consumer().input(), w.getDims(g.consumer().transposed() ? 1 : 0));
            }
        }
        Map<String, String[]> outputsOf = new LinkedHashMap<>();
        for (String t : new java.util.LinkedHashSet<>(tensorOf.values())) {
            String[] names = appendMomentNodes(probe, t, widthOf.get(t), convOf.get(t), original.opset());
            outputsOf.put(t, names);
            for (String n : names) probe.addOutput(n);
        }
        ModelProto.Builder b = probe.toModel().toBuilder();
        Map<String, DMatrixRMaj> gram = new LinkedHashMap<>();
        long rows = 0;
        try (OrtRunner r = OrtRunner.of(dev.lathe.model.OnnxModel.of(b.build()), OrtRunner.RunnerSettings.cpu(1))) { // over 2 GB: by file
            for (Map<String, TensorData> sample : samples) {
                Map<String, TensorData> out = r.run(sample);
                long sampleRows = 0;
                for (Map.Entry<String, String> e : tensorOf.entrySet()) {
                    String[] names = outputsOf.get(e.getValue());
                    float[] xtx = out.get(names[0]).floats();
                    float[] sums = out.get(names[1]).floats();
                    long n = out.get(names[2]).longs()[0];
                    int width = sums.length;
                    DMatrixRMaj g = gram.computeIfAbsent(e.getKey(), k -> new DMatrixRMaj(width + 1, width + 1));
                    double[] d = g.data;
                    int stride = width + 1;
                    for (int i = 0; i < width; i++) {
                        for (int j = 0; j < width; j++) d[i * stride + j] += xtx[i * width + j];
                        d[i * stride + width] += sums[i];
                        d[width * stride + i] += sums[i];
                    }
                    d[width * stride + width] += n;
                    sampleRows = n;
                }
                rows += sampleRows;
            }
        }
        return new ActivationStats(gram, rows);
    }

    /** Kernel windows wider than this (channels x taps) make the Gram matrix too large to be worth it. */
    static final long MAX_WINDOW_FEATURES = 2304;

    /**
     * Appends X2 = reshape(x, [-1, U]) and outputs X2ᵀX2, the column sums of X2, and X2's shape. For a tensor a
     * convolution reads, x is first unfolded into its kernel windows (im2col) by a convolution with one-hot
     * filters and the reader's own strides, pads and dilations, so every output pixel's window is one row.
     */
    private static String[] appendMomentNodes(MutableGraph g, String tensor, long width, ai.onnx.proto.OnnxMl.NodeProto conv, int opset) {
        String base = g.uniqueName(tensor + "_lathe_moments");
        String shape = base + "_shape", x2 = base + "_rows", xt = base + "_t", gramOut = base + "_xtx", sums = base + "_sum", dims = base + "_dims";
        g.putInitializer(Tensors.longs(shape, new long[] {2}, new long[] {-1, width}));
        List<ai.onnx.proto.OnnxMl.NodeProto> nodes = new java.util.ArrayList<>();
        String rowsFrom = tensor;
        if (conv != null) {
            var w = g.initializer(conv.getInput(1));
            long[] filters = Tensors.dims(w);
            int channels = (int) filters[1], taps = (int) (width / channels);
            long[] eye = filters.clone();
            eye[0] = width;
            float[] onehot = new float[(int) (width * width)];
            for (int c = 0; c < channels; c++) for (int t = 0; t < taps; t++) onehot[(c * taps + t) * (int) width + c * taps + t] = 1f;
            String eyeName = base + "_im2col_filters", windows = base + "_windows";
            g.putInitializer(Tensors.floats(eyeName, eye, onehot));
            var unfold = node("Conv", List.of(tensor, eyeName), windows).toBuilder();
            for (var a : conv.getAttributeList()) if (!a.getName().equals("group")) unfold.addAttribute(a);
            nodes.add(unfold.build());
            rowsFrom = base + "_nhwc";
            var perm = ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("perm").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(0);
            for (int a = 2; a < filters.length; a++) perm.addInts(a);
            perm.addInts(1);
            nodes.add(node("Transpose", List.of(windows), rowsFrom).toBuilder().addAttribute(perm).build());
        }
        nodes.add(node("Reshape", List.of(rowsFrom, shape), x2));
        nodes.add(node("Transpose", List.of(x2), xt).toBuilder()
                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("perm").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(1).addInts(0)).build());
        nodes.add(node("MatMul", List.of(xt, x2), gramOut));
        nodes.add(columnSums(g, x2, sums, opset));
        nodes.add(node("Shape", List.of(x2), dims));
        g.insertNodes(g.nodeCount(), nodes);
        return new String[] {gramOut, sums, dims};
    }

    /** ReduceSum over rows of a [rows, width] tensor; its axes moved from attribute to input at opset 13. */
    private static ai.onnx.proto.OnnxMl.NodeProto columnSums(MutableGraph g, String x2, String sums, int opset) {
        var keepdims = ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0);
        if (opset >= 13) {
            String axes = g.uniqueName(sums + "_axes");
            g.putInitializer(Tensors.longs(axes, new long[] {1}, new long[] {0}));
            return node("ReduceSum", List.of(x2, axes), sums).toBuilder().addAttribute(keepdims).build();
        }
        return node("ReduceSum", List.of(x2), sums).toBuilder()
                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axes").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(0))
                .addAttribute(keepdims).build();
    }

    private static ai.onnx.proto.OnnxMl.NodeProto node(String op, List<String> inputs, String output) {
        return ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType(op).setName(output + "_node").addAllInput(inputs).addOutput(output).build();
    }
}
