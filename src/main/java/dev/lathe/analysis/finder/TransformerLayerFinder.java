package dev.lathe.analysis.finder;

import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.model.MutableGraph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Transformer layers as removable blocks. Layer i starts at the hidden state its query projection reads and
 * ends where layer i+1 starts; the last layer ends at the same position in its chain of cut points (tensors
 * every path to the outputs passes through) as the layer before it, since layers repeat one structure.
 *
 * @param attention the heads found, one group per layer
 */
public record TransformerLayerFinder(List<PrunableGroup> attention) implements StructureFinder<RemovableBlock> {
    @Override
    public List<RemovableBlock> find(MutableGraph graph, Reasons reasons) {
        List<String> starts = new ArrayList<>();
        for (PrunableGroup g : attention) {
            if (g.kind() != GroupKind.ATTENTION_HEADS) continue;
            String wq = g.attention().query().weight();
            for (int c : graph.consumers(wq)) {
                String in = graph.node(c).getInput(0);
                if (!starts.contains(in)) starts.add(in);
            }
        }
        starts.sort(Comparator.comparingInt(graph::producer));
        if (starts.size() < 2) return List.of();
        List<RemovableBlock> out = new ArrayList<>();
        List<String> before = cutPoints(graph, starts.get(starts.size() - 2));
        int position = before.indexOf(starts.get(starts.size() - 1));
        if (position < 0) return List.of(); // layers are not chained hidden state to hidden state
        for (int i = 0; i < starts.size(); i++) {
            String end;
            if (i + 1 < starts.size()) {
                end = starts.get(i + 1);
            } else {
                List<String> cuts = cutPoints(graph, starts.get(i));
                if (position >= cuts.size()) continue;
                end = cuts.get(position);
            }
            out.add(new RemovableBlock("block:" + i, "transformer layer " + i, starts.get(i), end));
        }
        return out;
    }

    /** Tensors after {@code start}, in graph order, through which every path from it to a model output passes. */
    private static List<String> cutPoints(MutableGraph graph, String start) {
        Set<String> outputs = new HashSet<>();
        graph.original().getGraph().getOutputList().forEach(v -> outputs.add(v.getName()));
        Set<String> reach = Reachability.downstream(graph, start, null);
        List<String> cuts = new ArrayList<>();
        for (int i = Math.max(0, graph.producer(start) + 1); i < graph.nodeCount(); i++) {
            for (String t : graph.node(i).getOutputList()) {
                if (!reach.contains(t)) continue;
                Set<String> without = Reachability.downstream(graph, start, t);
                if (without.stream().noneMatch(outputs::contains)) cuts.add(t);
            }
        }
        return cuts;
    }
}
