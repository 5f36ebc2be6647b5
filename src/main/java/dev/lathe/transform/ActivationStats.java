package dev.lathe.transform;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.Tensors;
import dev.lathe.model.TensorData;
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
        Map<String, Integer> rankOf = new LinkedHashMap<>(); // convolution inputs: channels move last before flattening
        MutableGraph probe = MutableGraph.of(original);
        for (PrunableGroup g : groups) {
            if (g.consumer() == null) continue;
            tensorOf.put(g.id(), g.consumer().input());
            var w = probe.initializer(g.consumer().weight());
            widthOf.put(g.consumer().input(), w.getDims(g.consumer().convolution() || g.consumer().transposed() ? 1 : 0));
            if (g.consumer().convolution()) rankOf.put(g.consumer().input(), w.getDimsCount());
        }
        Map<String, String[]> outputsOf = new LinkedHashMap<>();
        List<ValueInfoProto> extraOutputs = new java.util.ArrayList<>();
        for (String t : new java.util.LinkedHashSet<>(tensorOf.values())) {
            String[] names = appendMomentNodes(probe, t, widthOf.get(t), rankOf.getOrDefault(t, 0), original.opset());
            outputsOf.put(t, names);
            for (String n : names) extraOutputs.add(ValueInfoProto.newBuilder().setName(n).build());
        }
        ModelProto.Builder b = probe.toModel().toBuilder();
        b.getGraphBuilder().addAllOutput(extraOutputs);
        Map<String, DMatrixRMaj> gram = new LinkedHashMap<>();
        long rows = 0;
        try (OrtRunner r = new OrtRunner(b.build().toByteArray(), OrtRunner.RunnerSettings.cpu(1))) {
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

    /**
     * Appends X2 = reshape(x, [-1, U]) (for an N,C,spatial... convolution input of rank {@code convRank}, channels
     * are moved last first, so every pixel is a row); outputs X2ᵀX2, the column sums of X2, and X2's shape.
     */
    private static String[] appendMomentNodes(MutableGraph g, String tensor, long width, int convRank, int opset) {
        String base = g.uniqueName(tensor + "_lathe_moments");
        String shape = base + "_shape", x2 = base + "_rows", xt = base + "_t", gramOut = base + "_xtx", sums = base + "_sum", dims = base + "_dims";
        g.putInitializer(Tensors.longs(shape, new long[] {2}, new long[] {-1, width}));
        List<ai.onnx.proto.OnnxMl.NodeProto> nodes = new java.util.ArrayList<>();
        String rowsFrom = tensor;
        if (convRank > 0) {
            rowsFrom = base + "_nhwc";
            var perm = ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("perm").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(0);
            for (int a = 2; a < convRank; a++) perm.addInts(a);
            perm.addInts(1);
            nodes.add(node("Transpose", List.of(tensor), rowsFrom).toBuilder().addAttribute(perm).build());
        }
        nodes.add(node("Reshape", List.of(rowsFrom, shape), x2));
        nodes.add(node("Transpose", List.of(x2), xt).toBuilder()
                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("perm").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(1).addInts(0)).build());
        nodes.add(node("MatMul", List.of(xt, x2), gramOut));
        if (opset >= 13) {
            String axes = base + "_axes";
            g.putInitializer(Tensors.longs(axes, new long[] {1}, new long[] {0}));
            nodes.add(node("ReduceSum", List.of(x2, axes), sums).toBuilder()
                    .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0)).build());
        } else {
            nodes.add(node("ReduceSum", List.of(x2), sums).toBuilder()
                    .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axes").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(0))
                    .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(0)).build());
        }
        nodes.add(node("Shape", List.of(x2), dims));
        g.insertNodes(g.nodeCount(), nodes);
        return new String[] {gramOut, sums, dims};
    }

    private static ai.onnx.proto.OnnxMl.NodeProto node(String op, List<String> inputs, String output) {
        return ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType(op).setName(output + "_node").addAllInput(inputs).addOutput(output).build();
    }
}
