package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.List;

/** Reading the weights of MatMul, Gemm and Conv layers the same way in every precision transform. */
final class LayerWeights {
    private LayerWeights() {}

    /** The layers' node indices in graph order; a layer the graph lacks is an error naming it. */
    static List<String> inGraphOrder(MutableGraph g, java.util.Collection<String> layerIds) {
        java.util.Map<String, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < g.nodeCount(); i++) at.putIfAbsent(NodeNames.id(g.node(i)), i);
        for (String id : layerIds) if (!at.containsKey(id)) throw new IllegalArgumentException("no layer '" + id + "' in the graph");
        return layerIds.stream().sorted(java.util.Comparator.comparingInt(at::get)).toList();
    }

    /** A 2-D weight read as [K inputs, N outputs] row-major, whatever layout the node keeps it in. */
    record Matrix(int k, int n, float[] kn) {
        float at(int row, int col) { return kn[row * n + col]; }
    }

    static boolean transposed(NodeProto n) {
        return n.getOpType().equals("Gemm") && MutableGraph.intAttribute(n, "transB", 0) != 0;
    }

    static Matrix matrix(TensorProto w, boolean transposed) {
        float[] values = Tensors.toFloats(w);
        int rows = (int) w.getDims(0), cols = (int) w.getDims(1);
        int k = transposed ? cols : rows, n = transposed ? rows : cols;
        if (!transposed) return new Matrix(k, n, values);
        float[] kn = new float[k * n];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) kn[c * n + r] = values[r * cols + c];
        return new Matrix(k, n, kn);
    }

    /** Gemm's C as a vector of N (it may be a scalar that broadcasts), or null without one. */
    static float[] gemmBias(MutableGraph g, NodeProto gemm, int n) {
        if (gemm.getInputCount() < 3 || gemm.getInput(2).isEmpty()) return null;
        float[] c = Tensors.toFloats(g.initializer(gemm.getInput(2)));
        if (c.length == n) return c;
        float[] full = new float[n];
        java.util.Arrays.fill(full, c[0]);
        return full;
    }

    static String safeName(String layerId) {
        return layerId.replace('/', '_').replace(':', '_');
    }
}
