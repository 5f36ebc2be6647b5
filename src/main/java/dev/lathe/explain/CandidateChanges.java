package dev.lathe.explain;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.eval.profile.FusionMap;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.Tensors;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a candidate changed, node by node, on a graph made for showing it: the candidate's graph plus the
 * original nodes it no longer has (greyed out in the view; the candidate's own edges draw the bypass). Each
 * node of that graph may carry a change: added by a transform (quantize/dequantize, casts, smoothing
 * multiplies), pruned (a weight's width before → after), at another precision (a badge), or removed (in a
 * dropped block, or replaced by a transform).
 */
public final class CandidateChanges {
    public enum Kind { ADDED, PRUNED, PRECISION, DROPPED, REPLACED }

    /**
     * A node's change: its kind, a short badge for the box ("1536 → 768", "int8") and a sentence for the side panel;
     * {@code width} (the original's and the candidate's dimensions) and {@code precision} ("int8_static") where they changed, else null.
     */
    public record Change(Kind kind, String badge, String text, Width width, String precision) {
        public Change(Kind kind, String badge, String text) {
            this(kind, badge, text, null, null);
        }
    }

    /**
     * A pruned node's dimensions in the original and in the candidate: of the weight it reads (through the
     * DequantizeLinear that a statically quantized layer reads it by), else of its output.
     */
    public record Width(List<String> original, List<String> candidate) {
        public Width {
            original = List.copyOf(original);
            candidate = List.copyOf(candidate);
        }

        /** "1536 → 768": the dimensions that changed. */
        public String text() {
            return between(original, candidate);
        }

        /** "a → b" for each dimension where {@code from} and {@code to} differ (same rank). */
        public static String between(List<String> from, List<String> to) {
            List<String> diffs = new ArrayList<>();
            for (int d = 0; d < Math.min(from.size(), to.size()); d++) if (!from.get(d).equals(to.get(d))) diffs.add(from.get(d) + " → " + to.get(d));
            return String.join(", ", diffs);
        }
    }

    private final ModelProto display;
    private final Map<String, Change> changes;

    private CandidateChanges(ModelProto display, Map<String, Change> changes) {
        this.display = display;
        this.changes = changes;
    }

    /** The graph to show, every node uniquely named ({@link FusionMap#uniquelyNamed}). */
    public ModelProto display() { return display; }

    /** Changes by node name of {@link #display()}. */
    public Map<String, Change> changes() { return changes; }

    public static CandidateChanges of(OnnxModel original, OnnxModel candidate, Genome genome) {
        return of(original, candidate, genome, Map.of(), Map.of());
    }

    /**
     * With the probed shapes of both models' tensors, a node whose output changed width is marked pruned even
     * where its weight is no longer an initializer it reads (a statically quantized layer reads it dequantized).
     */
    public static CandidateChanges of(OnnxModel original, OnnxModel candidate, Genome genome, Map<String, List<String>> originalShapes,
                                      Map<String, List<String>> candidateShapes) {
        GraphProto og = FusionMap.uniquelyNamed(original.proto().getGraph()), cg = FusionMap.uniquelyNamed(candidate.proto().getGraph());
        Map<String, NodeProto> originalByName = new LinkedHashMap<>();
        og.getNodeList().forEach(n -> originalByName.put(n.getName(), n));
        Map<String, TensorProto> originalInits = new HashMap<>(), candidateInits = new HashMap<>();
        og.getInitializerList().forEach(t -> originalInits.put(t.getName(), t));
        cg.getInitializerList().forEach(t -> candidateInits.put(t.getName(), t));
        dequantized(og, originalInits);
        dequantized(cg, candidateInits);
        Set<String> candidateNames = new HashSet<>(), candidateTensors = new HashSet<>();
        cg.getNodeList().forEach(n -> { candidateNames.add(n.getName()); candidateTensors.addAll(n.getOutputList()); });

        Map<String, Change> changes = new LinkedHashMap<>();
        for (NodeProto n : cg.getNodeList()) {
            NodeProto o = originalByName.get(n.getName());
            if (o == null) {
                changes.put(n.getName(), new Change(Kind.ADDED, "added", "added by a transform: " + n.getOpType()));
                continue;
            }
            Width pruned = prunedWidth(o, n, originalInits, candidateInits);
            if (pruned == null && n.getOutputCount() > 0) pruned = changedWidth(originalShapes.get(n.getOutput(0)), candidateShapes.get(n.getOutput(0)));
            if (pruned != null) changes.put(n.getName(), new Change(Kind.PRUNED, pruned.text(), "pruned: " + pruned.text(), pruned, null));
        }
        if (genome != null)
            for (Map.Entry<String, Precision> p : genome.precisions().entrySet()) {
                for (NodeProto n : cg.getNodeList()) {
                    if (!n.getName().equals(p.getKey()) && !n.getName().startsWith(p.getKey())) continue;
                    Change before = changes.get(n.getName());
                    if (before != null && before.kind() == Kind.ADDED) continue; // its own quantize nodes stay "added"
                    String text = "precision " + p.getValue().id() + (before == null ? "" : "; " + before.text());
                    changes.put(n.getName(), new Change(Kind.PRECISION, p.getValue().id() + (before == null ? "" : " · " + before.badge()), text,
                            before == null ? null : before.width(), p.getValue().id()));
                }
            }

        Map<String, String> blockOf = genome == null ? Map.of() : droppedNodes(og, genome);
        GraphProto.Builder shown = cg.toBuilder();
        for (NodeProto o : og.getNodeList()) {
            if (candidateNames.contains(o.getName()) || o.getOutputList().stream().anyMatch(candidateTensors::contains)) continue;
            String block = blockOf.get(o.getName());
            shown.addNode(o);
            changes.put(o.getName(), block != null ? new Change(Kind.DROPPED, "dropped", "dropped with block " + block)
                    : new Change(Kind.REPLACED, "replaced", "removed: a transform replaced it"));
        }
        return new CandidateChanges(candidate.proto().toBuilder().setGraph(shown).build(), Map.copyOf(changes));
    }

    /** Weights read through a DequantizeLinear of an initializer (a statically quantized layer's), by the tensor it writes. */
    private static void dequantized(GraphProto g, Map<String, TensorProto> inits) {
        for (NodeProto n : g.getNodeList())
            if (n.getOpType().equals("DequantizeLinear") && n.getOutputCount() > 0 && inits.containsKey(n.getInput(0)))
                inits.putIfAbsent(n.getOutput(0), inits.get(n.getInput(0)));
    }

    /** Where a weight the node reads in both graphs changed a dimension: its dimensions in both, else null. */
    private static Width prunedWidth(NodeProto o, NodeProto n, Map<String, TensorProto> oi, Map<String, TensorProto> ci) {
        for (int i = 0; i < Math.min(o.getInputCount(), n.getInputCount()); i++) {
            TensorProto a = oi.get(o.getInput(i)), b = ci.get(n.getInput(i));
            if (a == null || b == null || a.getDataType() == TensorProto.DataType.INT64_VALUE) continue;
            long[] da = Tensors.dims(a), db = Tensors.dims(b);
            if (da.length != db.length || Arrays.equals(da, db)) continue;
            // A quantized Gemm reads its weight transposed ([in, out] for [out, in]): the same dimensions, nothing pruned.
            if (Arrays.equals(Arrays.stream(da).sorted().toArray(), Arrays.stream(db).sorted().toArray())) continue;
            if (db.length == 2 && same(da, new long[]{db[1], db[0]}) > same(da, db)) db = new long[]{db[1], db[0]}; // transposed and pruned
            return new Width(Arrays.stream(da).mapToObj(Long::toString).toList(), Arrays.stream(db).mapToObj(Long::toString).toList());
        }
        return null;
    }

    private static int same(long[] a, long[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) if (a[i] == b[i]) n++;
        return n;
    }

    /** Where an output's probed shape changed in one or more dimensions: both shapes, else null. */
    private static Width changedWidth(List<String> before, List<String> after) {
        if (before == null || after == null || before.size() != after.size() || before.equals(after)) return null;
        return new Width(before, after);
    }

    /** Original nodes inside the dropped blocks (between a block's input and its output), by node name → block name. */
    private static Map<String, String> droppedNodes(GraphProto og, Genome genome) {
        if (genome.droppedBlocks().isEmpty()) return Map.of();
        Map<String, NodeProto> producer = new HashMap<>();
        og.getNodeList().forEach(n -> n.getOutputList().forEach(t -> producer.put(t, n)));
        Map<String, String> out = new HashMap<>();
        List<RemovableBlock> blocks = GroupFinder.analyze(OnnxModel.of(ModelProto.newBuilder().setGraph(og).build())).blocks();
        for (RemovableBlock b : blocks) {
            if (!genome.droppedBlocks().contains(b.id())) continue;
            Deque<String> todo = new ArrayDeque<>(List.of(b.output()));
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String t = todo.pop();
                if (t.equals(b.input()) || !seen.add(t)) continue;
                NodeProto p = producer.get(t);
                if (p == null) continue;
                out.put(p.getName(), b.name());
                todo.addAll(p.getInputList());
            }
        }
        return out;
    }
}
