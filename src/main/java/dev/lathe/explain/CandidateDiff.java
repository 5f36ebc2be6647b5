package dev.lathe.explain;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The differences between two candidates of one study, node by node: where their widths, precisions or
 * dropped state differ, and the nodes only one of them has (its quantize/dequantize pairs, casts). Each is read
 * "from {@code before} to {@code after}" ({@code 16 → 8}, {@code int8 → float}, {@code kept → dropped}). The
 * graph to show is the {@code after} candidate's (with the original nodes it removed) plus the nodes only
 * {@code before} has, so every difference has a node to sit on.
 */
public final class CandidateDiff {
    public enum Kind { WIDTH, PRECISION, REMOVED, ONLY_BEFORE, ONLY_AFTER }

    /** What differs at one node: its kinds (first = the main one), a badge for the box and a sentence for the side panel. */
    public record Difference(List<Kind> kinds, String badge, String text) {
        public Difference {
            kinds = List.copyOf(kinds);
        }

        public Kind kind() { return kinds.getFirst(); }
    }

    /** What precision a node has where its candidate leaves it as the original has it. */
    static final String FLOAT = "float";

    private final String before, after;
    private final ModelProto display;
    private final Map<String, Difference> differences;

    private CandidateDiff(String before, String after, ModelProto display, Map<String, Difference> differences) {
        this.before = before;
        this.after = after;
        this.display = display;
        this.differences = differences;
    }

    /** The candidate compared from ("candidate #3"). */
    public String before() { return before; }

    /** The candidate compared to, whose graph is shown. */
    public String after() { return after; }

    public ModelProto display() { return display; }

    /** Differences by node name of {@link #display()}; nodes where the two agree are absent. */
    public Map<String, Difference> differences() { return differences; }

    public Difference difference(String node) { return differences.get(node); }

    /** {@code a} and {@code b}: each candidate's changes against the original, named as the view names them. */
    public static CandidateDiff of(String beforeName, CandidateChanges a, String afterName, CandidateChanges b) {
        Map<String, NodeProto> inA = new LinkedHashMap<>(), inB = new LinkedHashMap<>();
        a.display().getGraph().getNodeList().forEach(n -> inA.put(n.getName(), n));
        b.display().getGraph().getNodeList().forEach(n -> inB.put(n.getName(), n));
        // Nodes the transforms add are numbered as they are made (input_q_6, _net_net.3_Conv_w_dq_11): the same
        // quantize/dequantize of the same tensor is the same node in both whatever its number.
        Set<String> sameAdded = new HashSet<>();
        Map<String, List<String>> addedA = added(a, inB.keySet()), addedB = added(b, inA.keySet());
        for (Map.Entry<String, List<String>> e : addedA.entrySet()) {
            List<String> other = addedB.get(e.getKey());
            if (other != null && other.size() == e.getValue().size()) {
                sameAdded.addAll(e.getValue());
                sameAdded.addAll(other);
            }
        }
        Map<String, Difference> out = new LinkedHashMap<>();
        GraphProto.Builder shown = b.display().getGraph().toBuilder();
        for (NodeProto n : a.display().getGraph().getNodeList())
            if (!inB.containsKey(n.getName()) && !sameAdded.contains(n.getName())) {
                shown.addNode(n);
                out.put(n.getName(), onlyOne(Kind.ONLY_BEFORE, n, a.changes().get(n.getName()), beforeName, afterName));
            }
        for (NodeProto n : b.display().getGraph().getNodeList()) {
            CandidateChanges.Change cb = b.changes().get(n.getName());
            if (!inA.containsKey(n.getName())) {
                if (!sameAdded.contains(n.getName())) out.put(n.getName(), onlyOne(Kind.ONLY_AFTER, n, cb, afterName, beforeName));
                continue;
            }
            CandidateChanges.Change ca = a.changes().get(n.getName());
            List<Kind> kinds = new ArrayList<>();
            List<String> badges = new ArrayList<>(), texts = new ArrayList<>();
            CandidateChanges.Width wa = width(ca), wb = width(cb);
            if (wa != null || wb != null) {
                List<String> original = (wa != null ? wa : wb).original();
                List<String> from = wa != null ? wa.candidate() : original, to = wb != null ? wb.candidate() : original;
                // Both of the weight, or both of the output: compared dimension by dimension.
                if (wa == null || wb == null || wa.original().equals(wb.original())) {
                    String changed = CandidateChanges.Width.between(from, to);
                    if (!changed.isEmpty()) {
                        kinds.add(Kind.WIDTH);
                        badges.add(changed);
                        texts.add("width " + changed + ": " + String.join("×", from) + " → " + String.join("×", to) + " (the original " + String.join("×", original) + ")");
                    }
                }
            }
            String pa = precision(ca), pb = precision(cb);
            if (!pa.equals(pb)) {
                kinds.add(Kind.PRECISION);
                badges.add(pa + " → " + pb);
                texts.add("precision " + pa + " → " + pb);
            }
            String ra = removed(ca), rb = removed(cb);
            if (!ra.equals(rb)) {
                kinds.add(Kind.REMOVED);
                badges.add(ra + " → " + rb);
                texts.add(ra + " → " + rb);
            }
            if (!kinds.isEmpty())
                out.put(n.getName(), new Difference(kinds, String.join(" · ", badges), String.join("; ", texts) + " (" + beforeName + " → " + afterName + ")"));
        }
        return new CandidateDiff(beforeName, afterName, b.display().toBuilder().setGraph(shown).build(), java.util.Collections.unmodifiableMap(out));
    }

    /** How many nodes differ, by kind (the legend, the CLI's summary). */
    public Map<Kind, Integer> counts() {
        Map<Kind, Integer> c = new java.util.EnumMap<>(Kind.class);
        for (Difference d : differences.values()) for (Kind k : d.kinds()) c.merge(k, 1, Integer::sum);
        return c;
    }

    /**
     * A node one candidate's graph has and the other's lacks: added by its transforms, or an original node the
     * other folded into its neighbour (a statically quantized Conv computes its BatchNormalization).
     */
    private static Difference onlyOne(Kind kind, NodeProto n, CandidateChanges.Change c, String has, String lacks) {
        boolean original = c == null || c.kind() != CandidateChanges.Kind.ADDED;
        if (original) {
            boolean before = kind == Kind.ONLY_BEFORE;
            return new Difference(List.of(Kind.REMOVED, kind), before ? "kept → folded" : "folded → kept",
                    lacks + " folded it into the node before it (which writes what it wrote); " + has + " keeps it" + (c == null ? "" : ": " + c.text()));
        }
        return new Difference(List.of(kind), "only " + short_(has), "only " + has + " has it: " + text(c, n));
    }

    /** The nodes {@code c} added that {@code other} has no node of that name for, by operator and name without the transforms' numbering. */
    private static Map<String, List<String>> added(CandidateChanges c, Set<String> other) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (NodeProto n : c.display().getGraph().getNodeList()) {
            CandidateChanges.Change ch = c.changes().get(n.getName());
            if (ch == null || ch.kind() != CandidateChanges.Kind.ADDED || other.contains(n.getName())) continue;
            out.computeIfAbsent(n.getOpType() + ":" + n.getName().replaceAll("_\\d+(?=_|$)", "").replaceAll("#\\d+$", ""), k -> new ArrayList<>()).add(n.getName());
        }
        return out;
    }

    private static String short_(String name) {
        return name.startsWith("candidate ") ? name.substring("candidate ".length()) : name;
    }

    private static String text(CandidateChanges.Change c, NodeProto n) {
        return c == null ? n.getOpType() : c.text();
    }

    private static CandidateChanges.Width width(CandidateChanges.Change c) {
        return c == null ? null : c.width();
    }

    private static String precision(CandidateChanges.Change c) {
        return c == null || c.precision() == null ? FLOAT : c.precision();
    }

    private static String removed(CandidateChanges.Change c) {
        if (c == null) return "kept";
        return switch (c.kind()) {
            case DROPPED -> "dropped";
            case REPLACED -> "replaced";
            default -> "kept";
        };
    }

}
