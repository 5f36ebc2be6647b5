package dev.lathe.ui.graph;

import dev.lathe.explain.CandidateChanges;
import dev.lathe.explain.CandidateDiff;
import dev.lathe.explain.GraphSubject;
import javafx.scene.paint.Color;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * What an overlay paints on the graph: a fill and a badge per node (null where it has none), the nodes greyed
 * out (dropped or replaced by the candidate), and the legend. Latency share, error and sensitivity are heat
 * scales (pale to dark red); changes are categories. Pure data, so the canvas, the SVG export and the tests
 * read the same thing.
 */
record GraphOverlay(Mode mode, Color[] fill, String[] badge, BitSet greyed, Legend legend) {
    enum Mode {
        NONE("None"), LATENCY("Latency share"), ERROR("Error"), SENSITIVITY("Sensitivity"), CHANGES("Changes"), DIFFERENCES("Differences");

        final String label;

        Mode(String label) { this.label = label; }

        @Override
        public String toString() { return label; }
    }

    /** A legend: a title, and either a heat scale from {@code low} to {@code high} or categories with their colours. */
    record Legend(String title, String low, String high, List<String> names, List<Color> colours) {}

    static final Color HEAT_LOW = Color.web("#fff5eb"), HEAT_MID = Color.web("#fd8d3c"), HEAT_HIGH = Color.web("#a50f15");
    static final Color ADDED = Color.web("#b197fc"), PRUNED = Color.web("#74c0fc"), PRECISION = Color.web("#8ce99a"),
            REMOVED = Color.web("#ced4da"), NO_DATA = Color.web("#f1f3f5"), DROP_DIFFERS = Color.web("#ffa94d");

    static final GraphOverlay NONE = new GraphOverlay(Mode.NONE, null, null, new BitSet(), null);

    /** The colour of {@code t} in [0, 1] on the heat scale. */
    static Color heat(double t) {
        t = Math.max(0, Math.min(1, t));
        return t < 0.5 ? HEAT_LOW.interpolate(HEAT_MID, t * 2) : HEAT_MID.interpolate(HEAT_HIGH, (t - 0.5) * 2);
    }

    static GraphOverlay of(Mode mode, GraphModel g, GraphSubject subject) {
        int n = g.nodes().size();
        BitSet greyed = new BitSet();
        String[] badge = new String[n];
        if (subject != null)
            for (GraphModel.Node node : g.nodes()) {
                GraphSubject.NodeFigures f = subject.figures(node.name());
                if (f != null && f.change() != null && (f.change().kind() == CandidateChanges.Kind.DROPPED || f.change().kind() == CandidateChanges.Kind.REPLACED))
                    greyed.set(node.id());
                CandidateDiff.Difference d = subject.diff() == null ? null : subject.diff().difference(node.name());
                if (d != null && d.kinds().contains(CandidateDiff.Kind.ONLY_BEFORE)) greyed.set(node.id()); // not in the candidate shown
            }
        if (mode == Mode.NONE || subject == null) return new GraphOverlay(Mode.NONE, null, null, greyed, null);
        Color[] fill = new Color[n];
        return switch (mode) {
            case LATENCY -> {
                double max = max(g, subject, GraphSubject.NodeFigures::share);
                if (max <= 0) yield empty(mode, n, greyed, "Latency share: not measured (press Profile)");
                for (GraphModel.Node node : g.nodes()) {
                    Double s = value(subject, node, GraphSubject.NodeFigures::share);
                    if (s == null) continue;
                    fill[node.id()] = heat(s / max);
                    if (s >= 0.01) badge[node.id()] = String.format(Locale.ROOT, "%.1f%%", s * 100);
                }
                yield new GraphOverlay(mode, fill, badge, greyed, new Legend("Share of the run (" + subject.title() + ", "
                        + String.format(Locale.ROOT, "%.2f ms", subject.profile().totalMs())
                        + (subject.profile().runCpuMs() == null ? "" : String.format(Locale.ROOT, "; CPU %.2f ms per profiled run", subject.profile().runCpuMs())) + ")", "0%", String.format(Locale.ROOT, "%.1f%%", max * 100), null, null));
            }
            case ERROR -> {
                boolean any = false;
                for (GraphModel.Node node : g.nodes()) {
                    Double e = value(subject, node, GraphSubject.NodeFigures::relativeL2);
                    if (e == null) continue;
                    any = true;
                    // Log scale from 1e-4 (pale) to 1 (dark): float noise is pale, a broken layer dark.
                    fill[node.id()] = heat((Math.log10(Math.max(e, 1e-4)) + 4) / 4);
                    if (node.name().equals(subject.firstJump())) badge[node.id()] = "first jump";
                    else if (e >= 0.01) badge[node.id()] = String.format(Locale.ROOT, "%.3f", e);
                }
                if (!any) yield empty(mode, n, greyed, "Error: only a candidate has one");
                yield new GraphOverlay(mode, fill, badge, greyed, new Legend("Relative L2 error vs the original (" + subject.title() + ")", "≤ 0.0001", "≥ 1", null, null));
            }
            case SENSITIVITY -> {
                double max = max(g, subject, GraphSubject.NodeFigures::sensitivity);
                if (max <= 0) yield empty(mode, n, greyed, "Sensitivity: not measured (Model view ▸ Sensitivity)");
                for (GraphModel.Node node : g.nodes()) {
                    Double s = value(subject, node, GraphSubject.NodeFigures::sensitivity);
                    if (s == null) continue;
                    fill[node.id()] = heat(Math.max(0, s) / max);
                    badge[node.id()] = String.format(Locale.ROOT, "−%.3f", s);
                }
                yield new GraphOverlay(mode, fill, badge, greyed, new Legend("Quality drop with the layer alone reduced", "0", String.format(Locale.ROOT, "%.3f", max), null, null));
            }
            case CHANGES -> {
                for (GraphModel.Node node : g.nodes()) {
                    GraphSubject.NodeFigures f = subject.figures(node.name());
                    if (f == null || f.change() == null) continue;
                    fill[node.id()] = switch (f.change().kind()) {
                        case ADDED -> ADDED;
                        case PRUNED -> PRUNED;
                        case PRECISION -> PRECISION;
                        case DROPPED, REPLACED -> REMOVED;
                    };
                    badge[node.id()] = f.change().badge();
                }
                yield new GraphOverlay(mode, fill, badge, greyed, new Legend("What " + subject.title() + " changed", null, null,
                        List.of("added by a transform", "pruned (before → after)", "other precision", "dropped or replaced"), List.of(ADDED, PRUNED, PRECISION, REMOVED)));
            }
            case DIFFERENCES -> {
                CandidateDiff diff = subject.diff();
                if (diff == null) yield empty(mode, n, greyed, "Differences: pick a second candidate (Compare with)");
                for (GraphModel.Node node : g.nodes()) {
                    CandidateDiff.Difference d = diff.difference(node.name());
                    if (d == null) continue;
                    fill[node.id()] = switch (d.kind()) {
                        case WIDTH -> PRUNED;
                        case PRECISION -> PRECISION;
                        case REMOVED -> DROP_DIFFERS;
                        case ONLY_BEFORE, ONLY_AFTER -> ADDED;
                    };
                    badge[node.id()] = d.badge();
                }
                yield new GraphOverlay(mode, fill, badge, greyed, new Legend("What differs from " + diff.before() + " to " + diff.after()
                        + " (" + diff.differences().size() + " nodes)", null, null,
                        List.of("width (before → after)", "precision", "kept / dropped / folded", "only in one of them"), List.of(PRUNED, PRECISION, DROP_DIFFERS, ADDED)));
            }
            case NONE -> throw new IllegalStateException();
        };
    }

    private static GraphOverlay empty(Mode mode, int n, BitSet greyed, String title) {
        return new GraphOverlay(mode, new Color[n], new String[n], greyed, new Legend(title, null, null, List.of(), List.of()));
    }

    private static Double value(GraphSubject s, GraphModel.Node node, Function<GraphSubject.NodeFigures, Double> what) {
        GraphSubject.NodeFigures f = s.figures(node.name());
        return f == null ? null : what.apply(f);
    }

    private static double max(GraphModel g, GraphSubject s, Function<GraphSubject.NodeFigures, Double> what) {
        double m = 0;
        for (GraphModel.Node node : g.nodes()) {
            Double v = value(s, node, what);
            if (v != null) m = Math.max(m, v);
        }
        return m;
    }

    /** The legend's lines as text (tests, the status line). */
    List<String> legendText() {
        List<String> out = new ArrayList<>();
        if (legend == null) return out;
        out.add(legend.title());
        if (legend.low() != null) out.add(legend.low() + " … " + legend.high());
        if (legend.names() != null) out.addAll(legend.names());
        return out;
    }
}
