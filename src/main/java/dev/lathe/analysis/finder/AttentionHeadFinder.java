package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.AttentionRoles;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.PrunableGroup.AttributePatch;
import dev.lathe.analysis.PrunableGroup.ShapePatch;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.pattern.HeadMerge;
import dev.lathe.analysis.pattern.HeadSplit;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.Match;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.analysis.pattern.ShapeConstants;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * BERT-style attention heads: Softmax over the scores of a query and a key projection, a product with a value
 * projection, the heads merged into an output projection (decoders with a key/value cache and grouped-query
 * attention: {@link GroupedQueryAttention}; GPT-2 style heads behind a cache Concat are found here). Every head owns {@code headDim} columns of the three
 * projections and as many rows of the output one; the Reshapes and splits that spell the head count are patched.
 */
public final class AttentionHeadFinder implements StructureFinder<PrunableGroup> {
    @Override
    public List<PrunableGroup> find(MutableGraph graph, Reasons reasons) {
        List<PrunableGroup> groups = new ArrayList<>();
        for (int s = 0; s < graph.nodeCount(); s++) {
            NodeProto softmax = graph.node(s);
            if (!softmax.getOpType().equals("Softmax")) continue;
            String where = NodeNames.id(softmax);
            Match<PrunableGroup> group = heads(graph, softmax, where);
            if (group.found()) groups.add(group.value());
            else reasons.put(where, group.failure());
        }
        return groups;
    }

    private Match<PrunableGroup> heads(MutableGraph graph, NodeProto softmax, String where) {
        Optional<NodeProto> scores = findUp(graph, softmax.getInput(0), 4);
        if (scores.isEmpty()) return Match.failed("no score MatMul found before Softmax");
        Optional<HeadSplit> q = HeadSplit.tracing(graph, scores.get().getInput(0));
        List<PrunableGroup.PortPatch> ports = new ArrayList<>();
        Optional<HeadSplit> k = HeadSplit.tracing(graph, scores.get().getInput(1));
        if (k.isEmpty()) k = throughCache(graph, scores.get().getInput(1), ports);
        List<Integer> after = graph.consumers(softmax.getOutput(0));
        if (after.size() != 1 || !graph.node(after.get(0)).getOpType().equals("MatMul")
                || !graph.node(after.get(0)).getInput(0).equals(softmax.getOutput(0)))
            return Match.failed("attention probabilities do not feed a single MatMul");
        NodeProto context = graph.node(after.get(0));
        Optional<HeadSplit> v = HeadSplit.tracing(graph, context.getInput(1));
        if (v.isEmpty() && !ports.isEmpty()) v = throughCache(graph, context.getInput(1), ports);
        if (v.isEmpty() || k.isEmpty()) ports.clear();
        String name = where.endsWith("/Softmax") ? where.substring(0, where.length() - "/Softmax".length()) : where;
        if (q.isEmpty() || k.isEmpty() || v.isEmpty()) {
            Match<PrunableGroup> decoder = GroupedQueryAttention.match(graph, scores.get(), context, name);
            return decoder.found() ? decoder : Match.failed("query/key/value projections not recognised (as a cached decoder's: " + decoder.failure() + ")");
        }
        long width = q.get().width();
        if (k.get().width() != width || v.get().width() != width) return Match.failed("query, key and value widths differ");
        Optional<long[]> qShape = ShapeConstants.reshapeTarget(graph, q.get().reshapeNode());
        if (qShape.isEmpty() || qShape.get().length != 4) return Match.failed("head split shape is not a known 4-D constant");
        long headDim = q.get().interleaved() ? qShape.get()[3] / q.get().parts() : qShape.get()[3];
        if (headDim <= 0 || width % headDim != 0) return Match.failed("head size not a positive constant");
        int heads = (int) (width / headDim);
        Match<HeadMerge> merge = HeadMerge.tracing(graph, context.getOutput(0));
        if (!merge.found()) return Match.failed(merge.failure());
        Optional<LinearLayer> wo = LinearLayer.of(graph, graph.node(merge.value().outputNode()));
        if (wo.isEmpty() || wo.get().inputs() != width) return Match.failed("output projection weight not a constant of " + width + " rows");

        Set<ShapePatch> patches = new LinkedHashSet<>();
        Set<AttributePatch> attributes = new LinkedHashSet<>();
        boolean ok = true;
        List<HeadSplit> sides = List.of(q.get(), k.get(), v.get());
        for (HeadSplit p : sides) {
            ok &= patchFor(graph, p.reshapeNode(), heads, 1, 2, patches);
            if (p.fused() != null) ok &= fusedPatches(graph, p, heads, (int) headDim, patches, attributes);
        }
        for (int m : merge.value().reshapes()) ok &= patchFor(graph, m, heads, (int) headDim, -1, patches);
        if (!ok) return Match.failed("a head-count constant in a Reshape shape or split is computed at run time");

        List<TensorSlice> slices = new ArrayList<>();
        for (HeadSplit p : sides) {
            if (p.interleaved()) {
                // GPT-NeoX: a head owns one block of query, key and value columns; the three sides name the same block.
                TensorSlice w = new TensorSlice(p.projection().weight(), p.projection().outputAxis(), 0, (int) (p.parts() * headDim));
                if (!slices.contains(w)) slices.add(w);
                TensorSlice b = p.projection().bias() == null ? null : new TensorSlice(p.projection().bias(), 0, 0, (int) (p.parts() * headDim));
                if (b != null && !slices.contains(b)) slices.add(b);
                continue;
            }
            slices.add(new TensorSlice(p.projection().weight(), p.projection().outputAxis(), (int) p.offset()));
            if (p.projection().bias() != null) slices.add(new TensorSlice(p.projection().bias(), 0, (int) p.offset()));
        }
        slices.add(new TensorSlice(wo.get().weight(), wo.get().inputAxis()));
        AttentionRoles roles = new AttentionRoles(role(q.get()), role(k.get()), role(v.get()), wo.get().node());
        return Match.of(new PrunableGroup("heads:" + name, GroupKind.ATTENTION_HEADS, name, heads, (int) headDim, slices,
                List.copyOf(patches), PrunableGroup.Consumer.of(wo.get()), List.copyOf(attributes), roles, List.copyOf(ports)));
    }

    /**
     * GPT-2 / GPT-NeoX attention with a key/value cache: the key or value operand (through a transposition or a
     * scaling) is a Concat of a cache model input and this step's heads along the sequence axis, and the Concat is the
     * present output. The heads behind it are traced as usual; the cache ports are patched to the kept head count.
     */
    private static Optional<HeadSplit> throughCache(MutableGraph graph, String operand, List<PrunableGroup.PortPatch> ports) {
        String t = operand;
        Optional<NodeProto> p = graph.producerNode(t);
        for (int step = 0; step < 3 && p.isPresent() && Set.of("Transpose", "Div", "Mul").contains(p.get().getOpType()); step++) {
            t = p.get().getInput(0);
            p = graph.producerNode(t);
        }
        if (p.isEmpty() || !p.get().getOpType().equals("Concat") || p.get().getInputCount() != 2) return Optional.empty();
        long axis = MutableGraph.intAttribute(p.get(), "axis", 0);
        if (axis != 2 && axis != -2) return Optional.empty();
        String past = p.get().getInput(0), present = p.get().getOutput(0);
        if (graph.producer(past) >= 0 || graph.constant(past).isPresent() || !dev.lathe.model.CachedGeneration.isCache(past)) return Optional.empty();
        Optional<HeadSplit> fresh = HeadSplit.tracing(graph, p.get().getInput(1));
        if (fresh.isEmpty()) return Optional.empty();
        ports.add(new PrunableGroup.PortPatch(past, 1, 1));
        if (graph.isGraphOutput(present)) ports.add(new PrunableGroup.PortPatch(present, 1, 1));
        return fresh;
    }

    private static AttentionRoles.Projection role(HeadSplit side) {
        LinearLayer l = side.projection();
        // An interleaved side's columns are not one contiguous block: side and parts -1 keep per-side folds (SmoothQuant) off it.
        if (side.interleaved()) return new AttentionRoles.Projection(l.node(), l.weight(), l.bias(), l.outputAxis(), -1, -1);
        return new AttentionRoles.Projection(l.node(), l.weight(), l.bias(), l.outputAxis(), side.side(), side.parts());
    }

    /**
     * Patches for a fused projection's split: each Split size (or the Slice bounds of this side) and the last
     * dimension of every Reshape between the projection and the split scale with the kept heads.
     */
    private static boolean fusedPatches(MutableGraph graph, HeadSplit p, int heads, int headDim, Set<ShapePatch> patches,
                                        Set<AttributePatch> attributes) {
        for (int r : p.fused().reshapes()) if (!patchFor(graph, r, heads, p.parts() * headDim, -1, patches)) return false;
        int si = p.fused().splitNode();
        NodeProto split = graph.node(si);
        String splitId = NodeNames.id(split);
        int side = p.side();
        if (split.getOpType().equals("Split")) {
            if (split.getInputCount() > 1 && !split.getInput(1).isEmpty()) {
                for (int j = 0; j < p.parts(); j++) patches.add(new ShapePatch(splitId, 1, j, headDim));
            } else if (split.getAttributeList().stream().anyMatch(a -> a.getName().equals("split"))) {
                for (int j = 0; j < p.parts(); j++) attributes.add(new AttributePatch(splitId, "split", j, headDim));
            } // no sizes: equal parts, nothing spelled
            return true;
        }
        // Slice: starts and ends of this side (an open end, INT64_MAX and the like, needs no patch).
        long total = p.width() * p.parts();
        if (side > 0) patches.add(new ShapePatch(splitId, 1, 0, side * headDim));
        long end = Tensors.toLongs(graph.constant(split.getInput(2)).orElseThrow())[0];
        if (end <= total) patches.add(new ShapePatch(splitId, 2, 0, (side + 1) * headDim));
        return true;
    }

    /** Walks up through element-wise score adjustments (scale, mask) to the score MatMul. */
    private static Optional<NodeProto> findUp(MutableGraph graph, String tensor, int depth) {
        Optional<NodeProto> p = graph.producerNode(tensor);
        if (p.isEmpty() || depth == 0) return Optional.empty();
        NodeProto n = p.get();
        if (n.getOpType().equals("MatMul") && graph.constant(n.getInput(1)).isEmpty()) return p;
        if (!Set.of("Add", "Div", "Mul", "Sub", "Where", "Cast").contains(n.getOpType())) return Optional.empty();
        for (String in : n.getInputList()) {
            Optional<NodeProto> r = findUp(graph, in, depth - 1);
            if (r.isPresent()) return r;
        }
        return Optional.empty();
    }

    /**
     * Records where the unit count is spelled in a Reshape's shape: element {@code position} (negative counts
     * from the end) must become {@code kept * factor}. A -1 or 0 there needs no patch; a run-time value fails.
     */
    static boolean patchFor(MutableGraph graph, int reshapeNode, int heads, int factor, int position, Collection<ShapePatch> patches) {
        Optional<long[]> target = ShapeConstants.reshapeTarget(graph, reshapeNode);
        if (target.isEmpty()) return false;
        int pos = position < 0 ? target.get().length + position : position;
        long expected = (long) heads * factor;
        long actual = target.get()[pos];
        if (actual == -1 || actual == 0) return target.get().length > pos;
        if (actual != expected) return false;
        String shape = graph.node(reshapeNode).getInput(1);
        if (graph.constant(shape).isPresent()) {
            patches.add(new ShapePatch(NodeNames.id(graph.node(reshapeNode)), 1, pos, factor));
            return true;
        }
        int ci = graph.producer(shape);
        NodeProto concat = graph.node(ci);
        int offset = 0;
        for (int i = 0; i < concat.getInputCount(); i++) {
            Optional<TensorProto> pk = graph.constant(concat.getInput(i));
            Optional<TensorProto> unsqueezed = ShapeConstants.unsqueezedConstant(graph, concat.getInput(i));
            int len = pk.or(() -> unsqueezed).map(t -> (int) Tensors.elementCount(t)).orElse(1);
            if (pos < offset + len) {
                if (pk.isPresent()) { patches.add(new ShapePatch(NodeNames.id(concat), i, pos - offset, factor)); return true; }
                if (unsqueezed.isEmpty()) return false;
                patches.add(new ShapePatch(NodeNames.id(graph.node(graph.producer(concat.getInput(i)))), 0, pos - offset, factor));
                return true;
            }
            offset += len;
        }
        return false;
    }
}
