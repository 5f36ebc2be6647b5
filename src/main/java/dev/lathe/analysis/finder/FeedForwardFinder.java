package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.pattern.ElementwiseRegion;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.Match;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hidden units of feed-forward blocks: a linear layer, an element-wise region (its activation), and the one linear
 * layer that reads the region. A unit is a column of the first weight (and its bias) and a row of the second.
 * Transformer blocks (MatMul on token sequences) give {@link GroupKind#FFN_UNITS}, plain MLPs (Gemm) {@link GroupKind#MLP_UNITS}.
 *
 * @param attention the heads already found, whose projections are not feed-forward layers
 */
public record FeedForwardFinder(List<PrunableGroup> attention) implements StructureFinder<PrunableGroup> {
    @Override
    public List<PrunableGroup> find(MutableGraph graph, Reasons reasons) {
        List<PrunableGroup> groups = new ArrayList<>();
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            Optional<LinearLayer> first = LinearLayer.of(graph, n);
            if (first.isEmpty()) continue;
            LinearLayer w1 = first.get();
            if (inAttention(w1.weight())) continue;
            List<TensorSlice> slices = new ArrayList<>();
            slices.add(new TensorSlice(w1.weight(), w1.outputAxis()));
            if (w1.bias() != null) slices.add(new TensorSlice(w1.bias(), 0));
            Match<LinearLayer> exit = ElementwiseRegion.follow(graph, w1.output(), w1.outputs());
            if (!exit.found()) { reasons.note(w1.node(), exit.failure()); continue; }
            LinearLayer w2 = exit.value();
            slices.add(new TensorSlice(w2.weight(), w2.inputAxis()));
            GroupKind kind = n.getOpType().equals("Gemm") ? GroupKind.MLP_UNITS : GroupKind.FFN_UNITS;
            String id = NodeNames.id(n);
            groups.add(new PrunableGroup((kind == GroupKind.MLP_UNITS ? "mlp:" : "ffn:") + id, kind, id, (int) w1.outputs(), 1,
                    slices, List.of(), PrunableGroup.Consumer.of(w2)));
        }
        return groups;
    }

    private boolean inAttention(String weight) {
        return attention.stream().anyMatch(g -> g.slices().stream().anyMatch(s -> s.initializer().equals(weight)));
    }
}
