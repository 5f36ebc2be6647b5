package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.List;
import java.util.Optional;

/**
 * A LayerNorm over the last axis spelled out in operators, as torch exports {@code nn.LayerNorm} before opset 17
 * and as hand-written models do: {@code d = x - ReduceMean(x)}, {@code y = d / Sqrt(ReduceMean(d^2) + eps)}, then
 * a Mul by the scale and an Add of the shift (both constant vectors of the width, or absent).
 *
 * @param meanNode     the ReduceMean of x
 * @param varianceNode the ReduceMean of the squared deviations
 * @param scale        the scale vector, or null
 * @param shift        the shift vector, or null
 * @param output       the normalized (scaled, shifted) tensor
 */
public record WrittenLayerNorm(String meanNode, String varianceNode, String scale, String shift, String output) {

    /** The LayerNorm reading {@code x}, a tensor of {@code width} features on its last axis, if that is what reads it. */
    public static Optional<WrittenLayerNorm> reading(MutableGraph g, String x, long width) {
        List<Integer> readers = g.consumers(x);
        if (readers.size() != 2 || g.isGraphOutput(x)) return Optional.empty();
        NodeProto mean = null, sub = null;
        for (int r : readers) {
            NodeProto n = g.node(r);
            if (n.getOpType().equals("ReduceMean")) mean = n;
            else if (n.getOpType().equals("Sub") && n.getInput(0).equals(x)) sub = n;
        }
        if (mean == null || sub == null || !lastAxis(mean) || !sub.getInput(1).equals(mean.getOutput(0))) return Optional.empty();
        String d = sub.getOutput(0);
        NodeProto pow = null, div = null;
        for (int r : g.consumers(d)) {
            NodeProto n = g.node(r);
            if (n.getOpType().equals("Pow") && n.getInput(0).equals(d) && isConstant(g, n.getInput(1), 2f)) pow = n;
            else if (n.getOpType().equals("Div") && n.getInput(0).equals(d)) div = n;
            else return Optional.empty();
        }
        if (pow == null || div == null) return Optional.empty();
        Optional<NodeProto> variance = sole(g, pow.getOutput(0), "ReduceMean").filter(WrittenLayerNorm::lastAxis);
        Optional<NodeProto> add = variance.flatMap(v -> sole(g, v.getOutput(0), "Add"));
        Optional<NodeProto> sqrt = add.flatMap(a -> sole(g, a.getOutput(0), "Sqrt"));
        if (sqrt.isEmpty() || !div.getInput(1).equals(sqrt.get().getOutput(0))) return Optional.empty();
        String out = div.getOutput(0), scale = null, shift = null;
        Optional<NodeProto> mul = sole(g, out, "Mul");
        if (mul.isPresent()) {
            scale = other(mul.get(), out);
            if (!isVector(g, scale, width)) return Optional.empty();
            out = mul.get().getOutput(0);
        }
        Optional<NodeProto> bias = sole(g, out, "Add");
        if (bias.isPresent() && isVector(g, other(bias.get(), out), width)) {
            shift = other(bias.get(), out);
            out = bias.get().getOutput(0);
        }
        return Optional.of(new WrittenLayerNorm(NodeNames.id(mean), NodeNames.id(variance.get()), scale, shift, out));
    }

    private static String other(NodeProto n, String input) {
        return n.getInput(0).equals(input) ? n.getInput(1) : n.getInput(0);
    }

    private static Optional<NodeProto> sole(MutableGraph g, String tensor, String op) {
        List<Integer> c = g.consumers(tensor);
        if (c.size() != 1 || g.isGraphOutput(tensor) || !g.node(c.get(0)).getOpType().equals(op)) return Optional.empty();
        return Optional.of(g.node(c.get(0)));
    }

    private static boolean lastAxis(NodeProto reduce) {
        List<Long> axes = MutableGraph.intsAttribute(reduce, "axes");
        return axes != null && axes.size() == 1 && axes.get(0) == -1 && MutableGraph.intAttribute(reduce, "keepdims", 1) == 1;
    }

    private static boolean isConstant(MutableGraph g, String tensor, float value) {
        Optional<TensorProto> k = g.constant(tensor);
        return k.isPresent() && k.get().getDataType() == TensorProto.DataType.FLOAT_VALUE && Tensors.elementCount(k.get()) == 1
                && Tensors.toFloats(k.get())[0] == value;
    }

    private static boolean isVector(MutableGraph g, String tensor, long width) {
        TensorProto t = g.initializer(tensor);
        return t != null && t.getDimsCount() == 1 && t.getDims(0) == width && t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
    }
}
