package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The element-wise region after a tensor of units: the closure of its readers through operators that never mix
 * units (activations, and arithmetic with scalar constants), up to the one linear layer that reads the region as
 * its data input. Pruning a unit there removes one column before the region and one row after it.
 */
public final class ElementwiseRegion {
    /** Element-wise operators that never mix units, so units pass straight through them. */
    private static final Set<String> OPERATORS = Set.of("Relu", "LeakyRelu", "Gelu", "Erf", "Sigmoid", "Tanh",
            "HardSigmoid", "HardSwish", "Clip", "Elu", "Selu", "Softplus", "Mul", "Add", "Sub", "Div", "Pow", "Sqrt",
            "Neg", "Abs", "Exp", "Identity");

    private ElementwiseRegion() {}

    public static boolean isElementwise(String opType) {
        return OPERATORS.contains(opType);
    }

    /** Follows {@code start}, a tensor of {@code units} units, to the one linear layer its region feeds (or why there is none). */
    public static Match<LinearLayer> follow(MutableGraph graph, String start, long units) {
        return follow(graph, List.of(start), units);
    }

    /**
     * The region of several tensors of the same units that are combined unit by unit (a gated MLP's gate and up
     * projections, multiplied after the gate's activation), to the one linear layer it feeds.
     */
    public static Match<LinearLayer> follow(MutableGraph graph, List<String> starts, long units) {
        // Phase 1: the closure of element-wise readers, stopping at linear layers that read it as data.
        Set<String> region = new HashSet<>(starts);
        Set<Integer> regionNodes = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(starts);
        Integer exit = null;
        LinearLayer exitLayer = null;
        while (!queue.isEmpty()) {
            String t = queue.poll();
            if (graph.isGraphOutput(t)) return Match.failed("its units are a model output");
            List<Integer> cons = graph.consumers(t);
            if (cons.isEmpty()) return Match.failed("its output is unused");
            for (int c : cons) {
                NodeProto cn = graph.node(c);
                Optional<LinearLayer> w = LinearLayer.of(graph, cn);
                if (w.isPresent() && cn.getInput(0).equals(t)) {
                    if (w.get().inputs() != units)
                        return Match.failed("the next layer " + NodeNames.id(cn) + " expects " + w.get().inputs() + " inputs, not " + units);
                    if (exit != null && exit != c) return Match.failed("its units feed more than one weighted layer");
                    exit = c;
                    exitLayer = w.get();
                    continue;
                }
                if (!isElementwise(cn.getOpType()))
                    return Match.failed("its units reach " + cn.getOpType() + " node " + NodeNames.id(cn) + ", which can mix units");
                if (regionNodes.add(c)) for (String o : cn.getOutputList()) if (region.add(o)) queue.add(o);
            }
        }
        // Phase 2: every other operand of the region must be a scalar constant, or units would be mixed.
        for (int c : regionNodes) {
            NodeProto cn = graph.node(c);
            for (String in : cn.getInputList()) {
                if (in.isEmpty() || region.contains(in)) continue;
                Optional<TensorProto> k = graph.constant(in);
                if (k.isEmpty() || Tensors.elementCount(k.get()) != 1)
                    return Match.failed("element-wise " + cn.getOpType() + " node " + NodeNames.id(cn) + " combines its units with a non-scalar tensor");
            }
        }
        return exit == null ? Match.failed("its units never reach another weighted layer") : Match.of(exitLayer);
    }
}
