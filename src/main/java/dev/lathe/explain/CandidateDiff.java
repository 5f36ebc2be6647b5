package dev.lathe.explain;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        Map<String, Difference> out = new LinkedHashMap<>();
        GraphProto.Builder shown = b.display().getGraph().toBuilder();
        for (NodeProto n : a.display().getGraph().getNodeList())
            if (!inB.containsKey(n.getName())) {
                shown.addNode(n);
                out.put(n.getName(), new Difference(List.of(Kind.ONLY_BEFORE), "only " + short_(beforeName),
                        "only " + beforeName + " has it: " + text(a.changes().get(n.getName()), n)));
            }
        for (NodeProto n : b.display().getGraph().getNodeList()) {
            CandidateChanges.Change cb = b.changes().get(n.getName());
            if (!inA.containsKey(n.getName())) {
                out.put(n.getName(), new Difference(List.of(Kind.ONLY_AFTER), "only " + short_(afterName),
                        "only " + afterName + " has it: " + text(cb, n)));
                continue;
            }
            CandidateChanges.Change ca = a.changes().get(n.getName());
            List<Kind> kinds = new ArrayList<>();
            List<String> badges = new ArrayList<>(), texts = new ArrayList<>();
            String wa = width(ca), wb = width(cb);
            if (wa != null || wb != null) {
                String from = wa != null ? after(wa) : before(wb), to = wb != null ? after(wb) : before(wa);
                if (!from.equals(to)) {
                    kinds.add(Kind.WIDTH);
                    badges.add(from + " → " + to);
                    texts.add("width " + from + " → " + to + " (the original's " + before(wa != null ? wa : wb) + ")");
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

    private static String short_(String name) {
        return name.startsWith("candidate ") ? name.substring("candidate ".length()) : name;
    }

    private static String text(CandidateChanges.Change c, NodeProto n) {
        return c == null ? n.getOpType() : c.text();
    }

    private static String width(CandidateChanges.Change c) {
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

    /** "8, 16" of "32 → 8, 64 → 16": the candidate's dimensions. */
    private static String after(String width) {
        List<String> out = new ArrayList<>();
        for (String d : width.split(", ")) out.add(d.substring(d.indexOf('→') + 1).strip());
        return String.join(", ", out);
    }

    /** "32, 64" of "32 → 8, 64 → 16": the original's dimensions. */
    private static String before(String width) {
        List<String> out = new ArrayList<>();
        for (String d : width.split(", ")) out.add(d.substring(0, d.indexOf('→')).strip());
        return String.join(", ", out);
    }
}
