package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.List;
import java.util.Optional;

/**
 * A linear layer with its bias: a MatMul or Gemm whose second input is a constant 2-D float weight of
 * {@code inputs} x {@code outputs} (axes {@code inputAxis} and {@code outputAxis} of the weight), and the bias
 * vector of its outputs, if any: a Gemm's C, or the constant of the Add right after a MatMul (how torch exports
 * {@code nn.Linear}). {@code output} is the tensor after the bias. The one rule by which finders and transforms
 * recognise such a layer.
 *
 * @param biasAdd      the node id of the MatMul's bias Add, or null (a Gemm, or a MatMul without one)
 * @param scaled       a Gemm whose alpha or beta is not 1
 * @param scalarBias   a Gemm whose C is one value broadcast to every output (then {@code bias} is null)
 */
public record LinearLayer(String node, String opType, String input, String weight, long inputs, long outputs,
                          int inputAxis, int outputAxis, String bias, String biasAdd, String output,
                          boolean scaled, boolean scalarBias) {

    /** The weight is kept [outputs, inputs] (a Gemm with transB). */
    public boolean transposed() { return inputAxis == 1; }

    /** The layer {@code n} is, if it is one. */
    public static Optional<LinearLayer> of(MutableGraph g, NodeProto n) {
        boolean gemm = n.getOpType().equals("Gemm");
        if (!gemm && !n.getOpType().equals("MatMul")) return Optional.empty();
        if (n.getInputCount() < 2) return Optional.empty();
        TensorProto w = g.initializer(n.getInput(1));
        if (w == null || w.getDimsCount() != 2 || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) return Optional.empty();
        if (g.constant(n.getInput(0)).isPresent()) return Optional.empty();
        int inAxis = 0, outAxis = 1;
        String bias = null, biasAdd = null, output = n.getOutput(0);
        boolean scalar = false, scaled = false;
        if (gemm) {
            if (MutableGraph.intAttribute(n, "transA", 0) != 0) return Optional.empty();
            if (MutableGraph.intAttribute(n, "transB", 0) != 0) { inAxis = 1; outAxis = 0; }
            scaled = MutableGraph.floatAttribute(n, "alpha", 1f) != 1f || MutableGraph.floatAttribute(n, "beta", 1f) != 1f;
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                TensorProto c = g.initializer(n.getInput(2));
                if (c == null) return Optional.empty();
                if (c.getDimsCount() == 1 && c.getDims(0) == w.getDims(outAxis)) bias = c.getName();
                else if (Tensors.elementCount(c) == 1) scalar = true;
                else return Optional.empty();
            }
        } else {
            Optional<NodeProto> add = biasAdd(g, n, w.getDims(1));
            if (add.isPresent()) {
                String out = n.getOutput(0);
                bias = add.get().getInput(0).equals(out) ? add.get().getInput(1) : add.get().getInput(0);
                biasAdd = NodeNames.id(add.get());
                output = add.get().getOutput(0);
            }
        }
        return Optional.of(new LinearLayer(NodeNames.id(n), n.getOpType(), n.getInput(0), w.getName(), w.getDims(inAxis), w.getDims(outAxis),
                inAxis, outAxis, bias, biasAdd, output, scaled, scalar));
    }

    /** The linear layer whose output (after its bias) is {@code tensor}. */
    public static Optional<LinearLayer> producing(MutableGraph g, String tensor) {
        Optional<NodeProto> p = g.producerNode(tensor);
        if (p.isEmpty()) return Optional.empty();
        if (p.get().getOpType().equals("Add")) {
            for (String in : p.get().getInputList()) {
                Optional<NodeProto> mm = g.producerNode(in);
                if (mm.isEmpty() || !mm.get().getOpType().equals("MatMul")) continue;
                Optional<LinearLayer> l = of(g, mm.get());
                if (l.isPresent() && tensor.equals(l.get().output())) return l;
            }
            return Optional.empty();
        }
        return of(g, p.get()).filter(l -> l.output().equals(tensor));
    }

    /** The Add right after a MatMul of {@code outputs} columns that adds a constant float vector of them, read by nothing else. */
    private static Optional<NodeProto> biasAdd(MutableGraph g, NodeProto matmul, long outputs) {
        String out = matmul.getOutput(0);
        List<Integer> cons = g.consumers(out);
        if (cons.size() != 1 || g.isGraphOutput(out)) return Optional.empty();
        NodeProto add = g.node(cons.get(0));
        if (!add.getOpType().equals("Add") || add.getInputCount() != 2) return Optional.empty();
        String other = add.getInput(0).equals(out) ? add.getInput(1) : add.getInput(0);
        TensorProto b = g.initializer(other);
        if (b == null || b.getDimsCount() != 1 || b.getDims(0) != outputs || b.getDataType() != TensorProto.DataType.FLOAT_VALUE)
            return Optional.empty();
        return Optional.of(add);
    }
}
