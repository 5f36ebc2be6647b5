package dev.lathe.transform.distill;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.Tensors;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which initializers distillation trains: the float weights, biases and normalization scales the candidate kept.
 * Scalars (epsilons, scale factors), integer shape constants and float tensors read where they are settings rather
 * than weights (running statistics, resize scales, exponents, clip bounds) stay constants. So do lookup tables (the
 * data input of Gather: word, position and token-type embeddings): pruning never changes them, and a dense gradient
 * plus AdamW state over MiniLM's 11.7 M embedding values cost more per step than the rest of the student.
 */
public final class Trainability {
    /** (op type, input index) pairs whose float input is a setting; -1 means every input but the first. */
    private static final Map<String, Set<Integer>> SETTINGS = Map.of(
            "BatchNormalization", Set.of(3, 4),
            "Resize", Set.of(-1),
            "Upsample", Set.of(-1),
            "Pow", Set.of(1),
            "Clip", Set.of(-1),
            "Pad", Set.of(-1),
            "Range", Set.of(0, 1, 2),
            "ConstantOfShape", Set.of(0),
            "Gather", Set.of(0));

    private Trainability() {}

    public static Set<String> trainable(GraphProto graph) {
        Set<String> settings = new HashSet<>();
        for (NodeProto n : graph.getNodeList()) {
            Set<Integer> slots = SETTINGS.get(n.getOpType());
            if (slots == null) continue;
            for (int i = 0; i < n.getInputCount(); i++)
                if (slots.contains(i) || (slots.contains(-1) && i > 0)) settings.add(n.getInput(i));
        }
        Set<String> out = new LinkedHashSet<>();
        for (TensorProto t : graph.getInitializerList())
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE && Tensors.elementCount(t) > 1 && !settings.contains(t.getName()))
                out.add(t.getName());
        return out;
    }
}
