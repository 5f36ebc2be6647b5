package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Residual branches: an Add of x and f(x), where f reads nothing computed but x. Dropping one leaves the skip
 * path (x) in place of the sum: a residual block of a CNN, or the attention or feed-forward sublayer of a
 * transformer layer.
 */
public final class ResidualBranchFinder implements StructureFinder<RemovableBlock> {
    private static final Set<String> WEIGHTED = Set.of("Conv", "MatMul", "Gemm");

    @Override
    public List<RemovableBlock> find(MutableGraph graph, Reasons reasons) {
        List<RemovableBlock> out = new ArrayList<>();
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto add = graph.node(i);
            if (!add.getOpType().equals("Add") || add.getInputCount() != 2) continue;
            String a = add.getInput(0), b = add.getInput(1);
            if (graph.constant(a).isPresent() || graph.constant(b).isPresent()) continue;
            String skip = null;
            if (isBranchOf(graph, b, a)) skip = a;
            else if (isBranchOf(graph, a, b)) skip = b;
            if (skip == null) continue;
            String id = NodeNames.id(add);
            out.add(new RemovableBlock("residual:" + id, "residual branch " + id, skip, add.getOutput(0)));
        }
        return out;
    }

    /**
     * True when {@code branch} is computed from {@code x}, constants and model inputs (an attention mask)
     * through at least one weighted layer, with no other computed tensor joining in.
     */
    private static boolean isBranchOf(MutableGraph graph, String branch, String x) {
        if (branch.equals(x)) return false;
        Set<String> seen = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(List.of(branch));
        boolean weighted = false;
        while (!queue.isEmpty()) {
            String t = queue.poll();
            if (t.equals(x) || !seen.add(t)) continue;
            if (graph.constant(t).isPresent()) continue;
            int p = graph.producer(t);
            if (p < 0) continue; // a model input: independent of x, so it stays available when the branch goes
            NodeProto n = graph.node(p);
            if (WEIGHTED.contains(n.getOpType())) weighted = true;
            for (String in : n.getInputList()) if (!in.isEmpty()) queue.add(in);
            if (seen.size() > 2000) return false;
        }
        if (!weighted || seen.size() <= 1 || !Reachability.downstream(graph, x, null).contains(branch)) return false;
        // x must enter the branch through a weighted layer (the residual stream), not merely be added to it
        // (an attention mask added to scores is not a skip connection).
        for (int c : graph.consumers(x)) {
            NodeProto n = graph.node(c);
            boolean layer = WEIGHTED.contains(n.getOpType()) && n.getInputCount() > 1 && graph.initializer(n.getInput(1)) != null;
            if (layer && seen.contains(n.getOutput(0))) return true;
        }
        return false;
    }
}
