package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.pattern.ElementwiseRegion;
import dev.lathe.analysis.pattern.LayerNormOp;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.Match;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.analysis.pattern.WrittenLayerNorm;
import dev.lathe.model.MutableGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hidden units of feed-forward blocks: a linear layer, an element-wise region (its activation), and the one linear
 * layer that reads the region. A unit is a column of the first weight (and its bias) and a row of the second. In a
 * gated MLP (Llama's SwiGLU: down(silu(gate(x)) * up(x))) the gate and up projections share their units: a unit is
 * a column of both.
 * Transformer blocks (MatMul on token sequences) give {@link GroupKind#FFN_UNITS}, plain MLPs (Gemm) {@link GroupKind#MLP_UNITS}.
 *
 * @param attention the heads already found, whose projections are not feed-forward layers
 */
public record FeedForwardFinder(List<PrunableGroup> attention) implements StructureFinder<PrunableGroup> {
    @Override
    public List<PrunableGroup> find(MutableGraph graph, Reasons reasons) {
        List<PrunableGroup> groups = new ArrayList<>();
        java.util.Set<String> gated = new java.util.HashSet<>(); // up projections already grouped with their gate
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            Optional<LinearLayer> first = LinearLayer.of(graph, n);
            if (first.isEmpty()) continue;
            LinearLayer w1 = first.get();
            if (inAttention(w1.weight()) || gated.contains(w1.weight())) continue;
            List<TensorSlice> slices = new ArrayList<>();
            slices.add(new TensorSlice(w1.weight(), w1.outputAxis()));
            if (w1.bias() != null) slices.add(new TensorSlice(w1.bias(), 0));
            Match<LinearLayer> exit = ElementwiseRegion.follow(graph, w1.output(), w1.outputs());
            List<PrunableGroup.NormPatch> norms = new ArrayList<>();
            Optional<WrittenLayerNorm> norm = exit.found() ? Optional.empty() : WrittenLayerNorm.reading(graph, w1.output(), w1.outputs());
            if (norm.isPresent()) {
                // The units pass a LayerNorm: its scale and shift go with them, and its statistics are compensated.
                exit = ElementwiseRegion.follow(graph, norm.get().output(), w1.outputs());
                if (norm.get().scale() != null) slices.add(new TensorSlice(norm.get().scale(), 0));
                if (norm.get().shift() != null) slices.add(new TensorSlice(norm.get().shift(), 0));
                norms.add(PrunableGroup.NormPatch.layerNorm(norm.get().meanNode(), norm.get().varianceNode()));
                if (!exit.found()) { reasons.note(w1.node(), "after its LayerNorm, " + exit.failure()); continue; }
            }
            Optional<LayerNormOp> fused = exit.found() || norm.isPresent() ? Optional.empty() : LayerNormOp.reading(graph, w1.output(), w1.outputs());
            if (fused.isPresent()) {
                // The same through a LayerNormalization operator (opset 17), written out when units go.
                exit = ElementwiseRegion.follow(graph, fused.get().output(), w1.outputs());
                slices.add(new TensorSlice(fused.get().scale(), 0));
                if (fused.get().shift() != null) slices.add(new TensorSlice(fused.get().shift(), 0));
                norms.add(PrunableGroup.NormPatch.layerNormalization(fused.get().node()));
                if (!exit.found()) { reasons.note(w1.node(), "after its LayerNormalization, " + exit.failure()); continue; }
            }
            if (!exit.found()) {
                Optional<LinearLayer> up = partner(graph, w1);
                if (up.isEmpty()) { reasons.note(w1.node(), exit.failure()); continue; }
                exit = ElementwiseRegion.follow(graph, List.of(w1.output(), up.get().output()), w1.outputs());
                if (!exit.found()) { reasons.note(w1.node(), exit.failure()); continue; }
                // SwiGLU / GeGLU: unit j is column j of the gate and of the up projection, row j of the down projection.
                gated.add(up.get().weight());
                slices.add(new TensorSlice(up.get().weight(), up.get().outputAxis()));
                if (up.get().bias() != null) slices.add(new TensorSlice(up.get().bias(), 0));
            }
            LinearLayer w2 = exit.value();
            slices.add(new TensorSlice(w2.weight(), w2.inputAxis()));
            GroupKind kind = n.getOpType().equals("Gemm") ? GroupKind.MLP_UNITS : GroupKind.FFN_UNITS;
            String id = NodeNames.id(n);
            groups.add(new PrunableGroup((kind == GroupKind.MLP_UNITS ? "mlp:" : "ffn:") + id, kind, id, (int) w1.outputs(), 1,
                    slices, List.of(), PrunableGroup.Consumer.of(w2), List.of(), null, List.of(), List.copyOf(norms)));
        }
        return groups;
    }

    /**
     * The other first layer of a gated MLP: one reading the same input into as many units, whose output is
     * combined with this layer's region unit by unit. The first such layer in graph order; the region check decides.
     */
    private Optional<LinearLayer> partner(MutableGraph graph, LinearLayer layer) {
        for (int c : graph.consumers(layer.input())) {
            Optional<LinearLayer> other = LinearLayer.of(graph, graph.node(c));
            if (other.isEmpty() || other.get().node().equals(layer.node()) || !other.get().input().equals(layer.input())) continue;
            if (other.get().outputs() != layer.outputs() || inAttention(other.get().weight())) continue;
            if (ElementwiseRegion.follow(graph, List.of(layer.output(), other.get().output()), layer.outputs()).found()) return other;
        }
        return Optional.empty();
    }

    private boolean inAttention(String weight) {
        return attention.stream().anyMatch(g -> g.slices().stream().anyMatch(s -> s.initializer().equals(weight)));
    }
}
