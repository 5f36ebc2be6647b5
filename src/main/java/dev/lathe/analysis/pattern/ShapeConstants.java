package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reading the shapes a Reshape is given, and the readers of a tensor that only ask for its shape. */
public final class ShapeConstants {
    private ShapeConstants() {}

    /** The constant target shape of a Reshape, with run-time pieces (batch, sequence) reported as -1. */
    public static Optional<long[]> reshapeTarget(MutableGraph graph, int reshapeNode) {
        String shape = graph.node(reshapeNode).getInput(1);
        Optional<TensorProto> k = graph.constant(shape);
        if (k.isPresent()) return Optional.of(Tensors.toLongs(k.get()));
        Optional<NodeProto> concat = graph.producerNode(shape);
        if (concat.isEmpty() || !concat.get().getOpType().equals("Concat")) return Optional.empty();
        List<Long> values = new ArrayList<>();
        for (String piece : concat.get().getInputList()) {
            Optional<TensorProto> pk = graph.constant(piece);
            if (pk.isPresent()) { for (long v : Tensors.toLongs(pk.get())) values.add(v); continue; }
            // Older torch exports unsqueeze even their constants (head count, head size) into the shape.
            Optional<TensorProto> unsqueezed = unsqueezedConstant(graph, piece);
            if (unsqueezed.isPresent()) { for (long v : Tensors.toLongs(unsqueezed.get())) values.add(v); continue; }
            // A run-time value (batch, sequence length): an Unsqueeze of a scalar, or a Gather of one index.
            Optional<NodeProto> u = graph.producerNode(piece);
            boolean single = u.isPresent() && (u.get().getOpType().equals("Unsqueeze")
                    || u.get().getOpType().equals("Gather") && graph.constant(u.get().getInput(1)).filter(i -> Tensors.elementCount(i) == 1).isPresent());
            if (!single) return Optional.empty();
            values.add(-1L);
        }
        return Optional.of(values.stream().mapToLong(Long::longValue).toArray());
    }

    /** The value of {@code Unsqueeze(constant)} (its data input is the constant; the axes do not change the values). */
    public static Optional<TensorProto> unsqueezedConstant(MutableGraph graph, String tensor) {
        Optional<NodeProto> u = graph.producerNode(tensor);
        if (u.isEmpty() || !u.get().getOpType().equals("Unsqueeze")) return Optional.empty();
        return graph.constant(u.get().getInput(0));
    }

    /**
     * Whether {@code tensor} is read only by node {@code reader} and by Shape nodes whose values are used only for
     * the batch or sequence length (dimensions 0 and 1), which pruning leaves alone.
     */
    public static boolean onlyReadBy(MutableGraph graph, String tensor, int reader) {
        for (int c : graph.consumers(tensor)) {
            if (c == reader) continue;
            NodeProto n = graph.node(c);
            if (!n.getOpType().equals("Shape")) return false;
            for (int g : graph.consumers(n.getOutput(0))) {
                NodeProto gn = graph.node(g);
                if (!gn.getOpType().equals("Gather")) return false;
                Optional<TensorProto> idx = graph.constant(gn.getInput(1));
                if (idx.isEmpty()) return false;
                for (long v : Tensors.toLongs(idx.get())) if (v != 0 && v != 1) return false;
            }
        }
        return true;
    }

    /** The one reader of {@code tensor} with operator {@code op}, beside Shape nodes that read only batch or sequence length. */
    public static Optional<Integer> soleReader(MutableGraph graph, String tensor, String op) {
        Integer found = null;
        for (int c : graph.consumers(tensor)) {
            NodeProto n = graph.node(c);
            if (n.getOpType().equals(op) && found == null) { found = c; continue; }
            if (!n.getOpType().equals("Shape")) return Optional.empty();
        }
        if (found == null || !onlyReadBy(graph, tensor, found)) return Optional.empty();
        return Optional.of(found);
    }
}
