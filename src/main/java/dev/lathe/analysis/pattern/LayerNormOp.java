package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.MutableGraph;

import java.util.Optional;

/**
 * A {@code LayerNormalization} operator (opset 17, as torch exports {@code nn.LayerNorm} from opset 17 on) over the
 * last axis of {@code x}, with a scale vector of the width and an optional bias vector, whose only used output is Y
 * (the optional Mean and InvStdDev outputs are training outputs exporters leave off).
 *
 * @param node   the operator, by {@link NodeNames#id}
 * @param scale  the scale vector
 * @param shift  the bias vector, or null
 * @param output the normalized tensor
 */
public record LayerNormOp(String node, String scale, String shift, String output) {
    /** The LayerNormalization node {@code reader} when it normalizes {@code x} of {@code width} features on its last axis. */
    public static Optional<LayerNormOp> of(MutableGraph g, NodeProto reader, String x, long width) {
        if (!reader.getOpType().equals("LayerNormalization") || !isDefaultDomain(reader) || !reader.getInput(0).equals(x)) return Optional.empty();
        if (MutableGraph.intAttribute(reader, "axis", -1) != -1) return Optional.empty();
        for (int i = 1; i < reader.getOutputCount(); i++) {
            String extra = reader.getOutput(i);
            if (!extra.isEmpty() && (!g.consumers(extra).isEmpty() || g.isGraphOutput(extra))) return Optional.empty();
        }
        String scale = reader.getInputCount() > 1 ? reader.getInput(1) : "";
        String shift = reader.getInputCount() > 2 && !reader.getInput(2).isEmpty() ? reader.getInput(2) : null;
        if (!isVector(g, scale, width) || (shift != null && !isVector(g, shift, width))) return Optional.empty();
        return Optional.of(new LayerNormOp(NodeNames.id(reader), scale, shift, reader.getOutput(0)));
    }

    /** The sole reader of {@code x}, when it is such a LayerNormalization. */
    public static Optional<LayerNormOp> reading(MutableGraph g, String x, long width) {
        var readers = g.consumers(x);
        if (readers.size() != 1 || g.isGraphOutput(x)) return Optional.empty();
        return of(g, g.node(readers.get(0)), x, width);
    }

    private static boolean isDefaultDomain(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }

    private static boolean isVector(MutableGraph g, String tensor, long width) {
        TensorProto t = tensor.isEmpty() ? null : g.initializer(tensor);
        return t != null && t.getDimsCount() == 1 && t.getDims(0) == width && t.getDataType() == TensorProto.DataType.FLOAT_VALUE;
    }
}
