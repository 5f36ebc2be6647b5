package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.AttentionRoles;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.PrunableGroup.PortPatch;
import dev.lathe.analysis.PrunableGroup.ShapePatch;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.pattern.HeadMerge;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.Match;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.analysis.pattern.ShapeConstants;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decoder attention as Llama exports write it: rotary embeddings on query and key, the new key and value appended
 * to a cache that is a model input and output ({@code past_key_values.N.key} in, {@code present.N.key} out), and
 * grouped-query attention, where each key/value head is repeated (Unsqueeze, Expand, Reshape) for the query heads
 * that share it.
 *
 * <p>A unit is a whole key/value group: one key head, one value head and the {@code rep} query heads that read
 * them, with their rows of the output projection. Removing query heads inside a group would leave the grouping
 * uneven, which the exported repeat (one count for every group) cannot express; removing the group shrinks the
 * cache too, which the model's cache ports then declare.
 */
final class GroupedQueryAttention {
    private final MutableGraph graph;
    private final Set<ShapePatch> patches = new LinkedHashSet<>();
    private final List<PortPatch> ports = new ArrayList<>();

    private GroupedQueryAttention(MutableGraph graph) {
        this.graph = graph;
    }

    /** A side traced back from the score or context MatMul: its projection and the Reshape that split it into heads. */
    private record Side(LinearLayer projection, int split, long heads, long headDim) {}

    static Match<PrunableGroup> match(MutableGraph graph, NodeProto scores, NodeProto context, String name) {
        return new GroupedQueryAttention(graph).heads(scores, context, name);
    }

    private Match<PrunableGroup> heads(NodeProto scores, NodeProto context, String name) {
        Optional<Side> q = beforeRotary(scores.getInput(0)).flatMap(this::split);
        if (q.isEmpty()) return Match.failed("query projection not recognised");
        List<Integer> repeats = new ArrayList<>();
        Optional<Side> k = cached(scores.getInput(1), true, repeats);
        Optional<Side> v = cached(context.getInput(1), false, repeats);
        if (k.isEmpty() || v.isEmpty()) return Match.failed("key/value projections not recognised behind their cache");
        long d = q.get().headDim();
        if (k.get().headDim() != d || v.get().headDim() != d || k.get().heads() != v.get().heads())
            return Match.failed("query, key and value head sizes differ");
        long kv = k.get().heads(), heads = q.get().heads();
        if (kv <= 0 || heads % kv != 0) return Match.failed("query heads are not a multiple of key/value heads");
        int rep = (int) (heads / kv);
        Match<HeadMerge> merge = HeadMerge.tracing(graph, context.getOutput(0));
        if (!merge.found()) return Match.failed(merge.failure());
        Optional<LinearLayer> wo = LinearLayer.of(graph, graph.node(merge.value().outputNode()));
        if (wo.isEmpty() || wo.get().inputs() != heads * d) return Match.failed("output projection weight not a constant of " + heads * d + " rows");

        int units = (int) kv;
        boolean ok = patch(q.get().split(), units, rep, 2) && patch(k.get().split(), units, 1, 2) && patch(v.get().split(), units, 1, 2);
        for (int r : repeats) ok &= patch(r, units, rep, 1);
        for (int m : merge.value().reshapes()) ok &= patch(m, units, (int) (rep * d), -1);
        if (!ok) return Match.failed("a head-count constant in a Reshape or Expand shape is computed at run time");

        int kvWidth = (int) d, qWidth = (int) (rep * d);
        List<TensorSlice> slices = List.of(new TensorSlice(q.get().projection().weight(), q.get().projection().outputAxis(), 0, qWidth),
                new TensorSlice(k.get().projection().weight(), k.get().projection().outputAxis(), 0, kvWidth),
                new TensorSlice(v.get().projection().weight(), v.get().projection().outputAxis(), 0, kvWidth),
                new TensorSlice(wo.get().weight(), wo.get().inputAxis(), 0, qWidth));
        if (q.get().projection().bias() != null || k.get().projection().bias() != null || v.get().projection().bias() != null)
            return Match.failed("projection biases with grouped-query attention are not handled yet");
        AttentionRoles roles = new AttentionRoles(role(q.get()), role(k.get()), role(v.get()), wo.get().node());
        return Match.of(new PrunableGroup("heads:" + name, GroupKind.ATTENTION_HEADS, name + " (" + rep + " query heads per key/value head)",
                (int) kv, qWidth, slices, List.copyOf(patches), PrunableGroup.Consumer.of(wo.get()), List.of(), roles, List.copyOf(ports)));
    }

    private static AttentionRoles.Projection role(Side s) {
        LinearLayer l = s.projection();
        return new AttentionRoles.Projection(l.node(), l.weight(), l.bias(), l.outputAxis(), 0, 1);
    }

    /**
     * From the score (key) or context (value) operand back through the group repeat (Transpose, Reshape, Expand,
     * Unsqueeze) to the cache Concat, whose first input is the cache input and whose output is the present output,
     * then through rotary embeddings (keys only) to the head split.
     */
    private Optional<Side> cached(String operand, boolean rotary, List<Integer> repeats) {
        String t = operand;
        Optional<NodeProto> p = graph.producerNode(t);
        if (p.isPresent() && p.get().getOpType().equals("Transpose")) { t = p.get().getInput(0); p = graph.producerNode(t); }
        if (p.isEmpty() || !p.get().getOpType().equals("Reshape")) return Optional.empty();
        repeats.add(graph.producer(t));
        Optional<NodeProto> expand = graph.producerNode(p.get().getInput(0));
        if (expand.isEmpty() || !expand.get().getOpType().equals("Expand")) return Optional.empty();
        if (!expandShape(expand.get().getInput(1))) return Optional.empty();
        Optional<NodeProto> unsqueeze = graph.producerNode(expand.get().getInput(0));
        if (unsqueeze.isEmpty() || !unsqueeze.get().getOpType().equals("Unsqueeze")) return Optional.empty();
        String present = unsqueeze.get().getInput(0);
        Optional<NodeProto> concat = graph.producerNode(present);
        if (concat.isEmpty() || !concat.get().getOpType().equals("Concat") || concat.get().getInputCount() != 2) return Optional.empty();
        String past = concat.get().getInput(0);
        if (graph.producer(past) >= 0 || graph.constant(past).isPresent()) return Optional.empty();
        ports.add(new PortPatch(past, 1, 1));
        if (graph.isGraphOutput(present)) ports.add(new PortPatch(present, 1, 1));
        String fresh = concat.get().getInput(1);
        return (rotary ? beforeRotary(fresh) : Optional.of(fresh)).flatMap(this::split);
    }

    /** The Expand's target shape spells the key/value head count at position 1 (and the repeat at 2): patch the first. */
    private boolean expandShape(String shape) {
        String t = shape;
        for (int step = 0; step < 4; step++) {
            Optional<NodeProto> p = graph.producerNode(t);
            if (p.isEmpty()) return false;
            if (p.get().getOpType().equals("Concat")) {
                Optional<TensorProto> kvHeads = graph.constant(p.get().getInput(1));
                if (kvHeads.isEmpty() || Tensors.elementCount(kvHeads.get()) != 1) return false;
                patches.add(new ShapePatch(NodeNames.id(p.get()), 1, 0, 1));
                return true;
            }
            // torch writes expand(-1 ...) through Reshape / Where / Equal over the shape; the Concat holds the counts.
            if (!Set.of("Reshape", "Where", "Cast").contains(p.get().getOpType())) return false;
            t = p.get().getOpType().equals("Where") ? p.get().getInput(2) : p.get().getInput(0);
        }
        return false;
    }

    /**
     * Rotary embeddings, {@code x * cos + rotate_half(x) * sin}: the x they rotate (rotate_half slices the head
     * size in halves, so it never mixes heads), or the tensor itself when it is not rotated.
     */
    private Optional<String> beforeRotary(String tensor) {
        Optional<NodeProto> add = graph.producerNode(tensor);
        if (add.isEmpty() || !add.get().getOpType().equals("Add")) return Optional.of(tensor);
        for (String in : add.get().getInputList()) {
            Optional<NodeProto> mul = graph.producerNode(in);
            if (mul.isEmpty() || !mul.get().getOpType().equals("Mul")) continue;
            for (String x : mul.get().getInputList()) {
                Optional<NodeProto> t = graph.producerNode(x);
                if (t.isPresent() && t.get().getOpType().equals("Transpose") && rotatedHalves(add.get(), x)) return Optional.of(x);
            }
        }
        return Optional.empty();
    }

    /** Whether the other product of the rotary Add reads Slices of {@code x} (through Neg and Concat). */
    private boolean rotatedHalves(NodeProto add, String x) {
        for (int c : graph.consumers(x)) {
            NodeProto n = graph.node(c);
            if (!n.getOpType().equals("Slice") && !n.getOpType().equals("Mul") && !n.getOpType().equals("Shape")) return false;
        }
        return graph.consumers(x).stream().anyMatch(c -> graph.node(c).getOpType().equals("Slice"));
    }

    /** Transpose, then the Reshape to [batch, sequence, heads, headDim] of a linear projection. */
    private Optional<Side> split(String tensor) {
        Optional<NodeProto> t = graph.producerNode(tensor);
        if (t.isEmpty() || !t.get().getOpType().equals("Transpose")) return Optional.empty();
        int reshape = graph.producer(t.get().getInput(0));
        if (reshape < 0 || !graph.node(reshape).getOpType().equals("Reshape")) return Optional.empty();
        Optional<long[]> target = ShapeConstants.reshapeTarget(graph, reshape);
        if (target.isEmpty() || target.get().length != 4 || target.get()[2] <= 0 || target.get()[3] <= 0) return Optional.empty();
        String projected = graph.node(reshape).getInput(0);
        if (!ShapeConstants.onlyReadBy(graph, projected, reshape)) return Optional.empty();
        return LinearLayer.producing(graph, projected).filter(l -> !l.scaled() && l.outputs() == target.get()[2] * target.get()[3])
                .map(l -> new Side(l, reshape, target.get()[2], target.get()[3]));
    }

    /** Where the head count is spelled in a Reshape's shape: {@code units * factor} at {@code position}, to become {@code kept * factor}. */
    private boolean patch(int reshape, int units, int factor, int position) {
        return AttentionHeadFinder.patchFor(graph, reshape, units, factor, position, patches);
    }
}
