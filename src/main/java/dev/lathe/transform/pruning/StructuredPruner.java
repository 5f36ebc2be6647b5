package dev.lathe.transform.pruning;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup.ShapePatch;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Physically removes units of a group: every coupled initializer loses the units' slices and every shape
 * constant that spells the unit count is rewritten, so the file and the work both shrink.
 */
public final class StructuredPruner {
    private StructuredPruner() {}

    /** Units to keep for a ratio, with the default rounding. */
    public static int keptUnits(PrunableGroup group, double keepRatio) {
        return keptUnits(group, keepRatio, PruningOptions.DEFAULT_UNIT_MULTIPLE);
    }

    /**
     * Units to keep for a ratio: for layers of 64 units or channels and more, a multiple of {@code multiple}
     * (hardware-friendly widths); heads are counted one by one (their width is already a multiple).
     */
    public static int keptUnits(PrunableGroup group, double keepRatio, int multiple) {
        int size = group.size();
        if (keepRatio >= 1.0) return size;
        int k = (int) Math.round(keepRatio * size);
        if (group.kind() != dev.lathe.analysis.GroupKind.ATTENTION_HEADS && size >= 64 && multiple > 1)
            k = Math.max(multiple, (int) Math.round(k / (double) multiple) * multiple);
        return Math.max(1, Math.min(size, k));
    }

    /** The {@code kept} highest-scoring units, in their original order (ties go to the lower index). */
    public static int[] choose(double[] scores, int kept) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                .limit(kept).mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * Slices the group down to {@code keptUnits}. Keeping every unit still runs every slice and patch (the builder
     * skips such groups itself), so that the identity is a check of the slicing code, not a shortcut around it.
     */
    public static void prune(MutableGraph graph, PrunableGroup group, int[] keptUnits) {
        if (keptUnits.length == 0) throw new IllegalArgumentException("cannot remove every unit of " + group.id());
        // Highest offsets first: several slices of one tensor (query, key and value of a fused projection) keep
        // their offsets valid while the slices after them shrink.
        List<TensorSlice> slices = group.slices().stream().sorted(Comparator.comparingInt(TensorSlice::offset).reversed()).toList();
        for (TensorSlice s : slices) {
            int bw = s.width(group);
            int[] keepIdx = Arrays.stream(keptUnits).flatMap(u -> IntStream.range(u * bw, (u + 1) * bw)).toArray();
            TensorProto t = graph.initializer(s.initializer());
            long[] dims = Tensors.dims(t);
            if (dims[s.axis()] < s.offset() + (long) group.size() * bw)
                throw new IllegalStateException(s.initializer() + " axis " + s.axis() + " has " + dims[s.axis()] + " entries, fewer than "
                        + s.offset() + " + " + group.size() * bw);
            // Indices outside the group's range (other channels of a Concat) are kept as they are.
            int before = s.offset(), after = (int) dims[s.axis()] - s.offset() - group.size() * bw;
            int[] idx = IntStream.concat(IntStream.concat(IntStream.range(0, before), Arrays.stream(keepIdx).map(i -> i + before)),
                    IntStream.range(before + group.size() * bw, before + group.size() * bw + after)).toArray();
            SliceIndexing ix = new SliceIndexing(dims, s.axis());
            graph.putInitializer(Tensors.floatBytes(t.getName(), ix.dimsAfter(idx.length), ix.selectBytes(Tensors.floatView(t), idx)));
        }
        for (PrunableGroup.PortPatch p : group.portPatches()) graph.setPortDimension(p.port(), p.dim(), (long) keptUnits.length * p.factor());
        double ratio = (double) group.size() / keptUnits.length;
        for (PrunableGroup.NormPatch p : group.normPatches()) {
            if (p.meanNode() != null) { NormCompensation.layerNorm(graph, p, group.size(), keptUnits.length); continue; }
            if (p.fusedNode() != null) { NormCompensation.layerNormalization(graph, p, group.size(), keptUnits.length); continue; }
            int at = NodeNames.require(graph, p.epsilonNode());
            String input = graph.node(at).getInput(p.epsilonInput());
            TensorProto eps = graph.constant(input).orElseThrow(() -> new IllegalStateException("epsilon " + input + " vanished"));
            graph.setPrivateConstantInput(at, p.epsilonInput(), Tensors.floats(input, Tensors.dims(eps), new float[] {(float) (Tensors.toFloats(eps)[0] * ratio)}));
            TensorProto scale = graph.initializer(p.scale());
            float[] v = Tensors.toFloats(scale);
            for (int i = 0; i < v.length; i++) v[i] *= (float) Math.sqrt(ratio);
            graph.putInitializer(Tensors.floats(scale.getName(), Tensors.dims(scale), v));
        }
        for (PrunableGroup.AttributePatch p : group.attributePatches()) {
            int at = NodeNames.require(graph, p.node());
            var node = graph.node(at).toBuilder();
            for (int i = 0; i < node.getAttributeCount(); i++)
                if (node.getAttribute(i).getName().equals(p.attribute()))
                    node.setAttribute(i, p.position() < 0 ? node.getAttribute(i).toBuilder().setI((long) keptUnits.length * p.factor()).build()
                            : node.getAttribute(i).toBuilder().setInts(p.position(), (long) keptUnits.length * p.factor()).build());
            graph.replaceNode(at, node.build());
        }
        for (ShapePatch p : group.shapePatches()) {
            int at = NodeNames.require(graph, p.node());
            String input = graph.node(at).getInput(p.inputIndex());
            TensorProto shape = graph.constant(input).orElseThrow(() -> new IllegalStateException("shape constant " + input + " vanished"));
            long[] v = Tensors.toLongs(shape);
            v[p.position()] = (long) keptUnits.length * p.factor();
            graph.setPrivateConstantInput(at, p.inputIndex(), Tensors.withLongValues(shape, v));
        }
    }
}
