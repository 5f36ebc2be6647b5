package dev.lathe.export;

import dev.lathe.study.Objective;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Study;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The study's scatter of quality against its cost (drift-corrected latency, or peak memory), {@link Study#front()}
 * joined, as SVG: inline in an export's report and its index, or as the standalone {@value HtmlReport#PLOT_FILE}.
 */
public final class ParetoScatter {
    static final int PLOT_W = 660, PLOT_H = 380, LEFT = 70, RIGHT = 24, TOP = 18, BOTTOM = 52;

    private ParetoScatter() {}

    /**
     * The study's latency/quality scatter as a standalone SVG image (its own styles, no outside files), with the
     * candidates in {@code marked} ringed: what an export writes beside its report as {@value HtmlReport#PLOT_FILE}.
     */
    public static String paretoSvg(Study study, java.util.Collection<Long> marked, String metric) {
        StringBuilder h = new StringBuilder(8_192).append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        scatter(h, study, List.copyOf(marked), metric == null ? "quality" : metric, true);
        return h.toString();
    }

    /**
     * The scatter of every measured candidate: the study's cost across (the figure its front is decided on: the
     * drift-corrected latency, or the peak memory), quality up, {@link Study#front()} joined, the original and the
     * exported ones marked. Each point carries its plotted figure in {@code data-x} and its measured latency in
     * {@code data-latency}.
     */
    static void scatter(StringBuilder h, Study study, List<Long> marked, String metric, boolean standalone) {
        boolean memory = study.objective() == Objective.MEMORY;
        java.util.function.ToDoubleFunction<CandidateRecord> xOf = memory ? c -> study.cost(c) / 1048576.0 : study::cost;
        List<CandidateRecord> done = study.trials().stream().filter(c -> c.isDone() && c.latencyMs() != null && c.quality() != null)
                .filter(c -> study.cost(c) < Double.MAX_VALUE).toList();
        if (done.isEmpty()) {
            if (standalone) h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(PLOT_W).append("\" height=\"40\"><text x=\"10\" y=\"24\">No measured candidates.</text></svg>\n");
            else h.append("<p class=\"note\">No measured candidates.</p>\n");
            return;
        }
        Set<Long> front = study.frontIds();
        double[] xs = range(done.stream().mapToDouble(xOf).toArray());
        double[] ys = range(done.stream().mapToDouble(CandidateRecord::quality).toArray());
        double pw = PLOT_W - LEFT - RIGHT, ph = PLOT_H - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator sx = x -> LEFT + (x - xs[0]) / (xs[1] - xs[0]) * pw;
        java.util.function.DoubleUnaryOperator sy = y -> TOP + ph - (y - ys[0]) / (ys[1] - ys[0]) * ph;
        h.append("<svg id=\"scatter\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(PLOT_W).append("\" height=\"").append(PLOT_H)
                .append("\" viewBox=\"0 0 ").append(PLOT_W).append(' ').append(PLOT_H).append("\" role=\"img\">\n");
        if (standalone) h.append("<style>").append(SVG_STYLE).append("</style>\n");
        h.append("<title>").append(Svg.capitalized(study.objective().label())).append(" against ").append(Svg.esc(metric)).append(" of ").append(done.size()).append(" measured candidates</title>\n");
        h.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(pw).append("\" height=\"").append(ph)
                .append("\" fill=\"#ffffff\" stroke=\"#dde2ea\"/>\n");
        List<Double> xt = ticks(xs[0], xs[1]), yt = ticks(ys[0], ys[1]);
        for (double t : xt) {
            double x = sx.applyAsDouble(t);
            h.append(Svg.line(x, TOP, x, TOP + ph, "#eef1f4")).append(Svg.text(x, TOP + ph + 18, tickLabel(t, xt), "middle", "tick"));
        }
        for (double t : yt) {
            double y = sy.applyAsDouble(t);
            h.append(Svg.line(LEFT, y, LEFT + pw, y, "#eef1f4")).append(Svg.text(LEFT - 8, y + 4, tickLabel(t, yt), "end", "tick"));
        }
        String xLabel = memory ? "peak memory (MiB) — lower is better"
                : study.references().isEmpty() ? "latency, median (ms) — lower is faster" : "latency, median (ms, drift-corrected) — lower is faster";
        h.append(Svg.text(LEFT + pw / 2, PLOT_H - 12, xLabel, "middle", "axis"));
        h.append("<text class=\"axis\" text-anchor=\"middle\" transform=\"translate(16 ").append(Svg.r(TOP + ph / 2)).append(") rotate(-90)\">")
                .append(Svg.esc(metric.replace('_', ' '))).append(" — higher is better</text>\n");
        List<CandidateRecord> frontPoints = new ArrayList<>(done.stream().filter(c -> front.contains(c.id())).toList());
        frontPoints.sort(Comparator.comparingDouble(xOf));
        if (frontPoints.size() > 1) {
            StringBuilder pts = new StringBuilder();
            for (CandidateRecord c : frontPoints) pts.append(Svg.r(sx.applyAsDouble(xOf.applyAsDouble(c)))).append(',').append(Svg.r(sy.applyAsDouble(c.quality()))).append(' ');
            h.append("<polyline class=\"front-line\" points=\"").append(pts.toString().strip())
                    .append("\" fill=\"none\" stroke=\"#e8590c\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\" opacity=\"0.8\"/>\n");
        }
        java.util.Map<Long, CandidateRecord> highlighted = new java.util.LinkedHashMap<>();
        for (long m : marked) highlighted.put(m, null);
        for (CandidateRecord c : done) {
            double x = sx.applyAsDouble(xOf.applyAsDouble(c)), y = sy.applyAsDouble(c.quality());
            boolean isOriginal = Study.isOriginal(c), onFront = front.contains(c.id());
            String cls = isOriginal ? "point original" : onFront ? "point front" : "point dominated";
            String tip = "#" + c.id() + ": " + Svg.fmt(xOf.applyAsDouble(c)) + (memory ? " MiB, " : " ms, ") + metric + " " + Svg.fmt(c.quality()) + (isOriginal ? " (original)" : "");
            String data = " data-id=\"" + c.id() + "\" data-x=\"" + xOf.applyAsDouble(c) + "\" data-latency=\"" + c.latencyMs() + "\" data-quality=\"" + c.quality() + "\"";
            if (isOriginal) {
                h.append("<path class=\"").append(cls).append('"').append(data).append(" d=\"M").append(Svg.r(x)).append(',').append(Svg.r(y - 7))
                        .append(" l7,7 l-7,7 l-7,-7 Z\" fill=\"#1f2933\"><title>").append(Svg.esc(tip)).append("</title></path>\n");
            } else {
                h.append("<circle class=\"").append(cls).append('"').append(data).append(" cx=\"").append(Svg.r(x)).append("\" cy=\"").append(Svg.r(y))
                        .append("\" r=\"").append(onFront ? "5" : "4").append("\" fill=\"").append(onFront ? "#e8590c" : "#68788c")
                        .append("\" fill-opacity=\"").append(onFront ? "1" : "0.45").append("\"><title>").append(Svg.esc(tip)).append("</title></circle>\n");
            }
            if (highlighted.containsKey(c.id())) highlighted.put(c.id(), c);
        }
        for (CandidateRecord ringed : highlighted.values()) {
            if (ringed == null) continue;
            long id = ringed.id();
            double x = sx.applyAsDouble(xOf.applyAsDouble(ringed)), y = sy.applyAsDouble(ringed.quality());
            // One export rings "exported"; several ring "exported-<id>" each (ids are unique in a page).
            h.append("<circle class=\"exported\" id=\"").append(marked.size() == 1 ? "exported" : "exported-" + id).append("\" data-id=\"").append(id).append("\" cx=\"").append(Svg.r(x)).append("\" cy=\"").append(Svg.r(y))
                    .append("\" r=\"11\" fill=\"none\" stroke=\"#2f6fde\" stroke-width=\"3\"/>\n");
            // The label goes to whichever corner around the ring is farthest from the other points.
            String label = marked.size() == 1 ? "#" + id + " (this export)" : "#" + id;
            double labelW = 7 * label.length(), best = -1, lx = x + 15, ly = y - 12;
            String anchor = "start";
            for (int corner = 0; corner < 4; corner++) {
                boolean right = corner % 2 == 0, above = corner < 2;
                double cx = right ? x + 15 : x - 15, cy = above ? y - 14 : y + 24;
                double left = right ? cx : cx - labelW;
                if (left < LEFT || left + labelW > LEFT + pw || cy < TOP + 12 || cy > TOP + ph - 4) continue;
                double nearest = Double.POSITIVE_INFINITY;
                for (CandidateRecord c : done) {
                    if (c.id() == id) continue;
                    double px = sx.applyAsDouble(xOf.applyAsDouble(c)), py = sy.applyAsDouble(c.quality());
                    double dx = Math.max(0, Math.max(left - px, px - (left + labelW))), dy = Math.max(0, Math.max(cy - 12 - py, py - cy));
                    nearest = Math.min(nearest, Math.hypot(dx, dy));
                }
                if (nearest > best) {
                    best = nearest;
                    lx = cx;
                    ly = cy;
                    anchor = right ? "start" : "end";
                }
            }
            h.append(Svg.text(lx, ly, label, anchor, "label"));
        }
        h.append("</svg>\n");
        if (!standalone)
            h.append("<p class=\"legend\"><span class=\"dot front\"></span> Pareto front <span class=\"dot dominated\"></span> other candidates ")
                    .append("<span class=\"dot original\"></span> original <span class=\"dot ring\"></span> ")
                    .append(marked.size() == 1 ? "this export" : "these exports").append("</p>\n");
    }

    /** Axis range: the values' span padded by 8% (a single value gets a small span around it). */
    static double[] range(double[] values) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double span = hi - lo;
        if (span <= 0) span = Math.max(Math.abs(hi) * 0.1, 1e-6);
        return new double[] {lo - span * 0.08, hi + span * 0.08};
    }

    /** Round tick values (steps of 1, 2 or 5 times a power of ten), about five across the range. */
    static List<Double> ticks(double lo, double hi) {
        double raw = (hi - lo) / 5, mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        return out;
    }

    /** A tick's value with as many decimals as the step between ticks needs. */
    static String tickLabel(double t, List<Double> ticks) {
        double step = ticks.size() > 1 ? ticks.get(1) - ticks.get(0) : Math.abs(t);
        int decimals = step <= 0 ? 2 : Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%,." + Math.min(decimals, 10) + "f", t);
    }

    /** The classes the scatter uses, for the standalone SVG (the page has them in its stylesheet). */
    private static final String SVG_STYLE = """
            text { font-family: -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; } .tick { font-size: 11px; fill: #66727f; } .axis { font-size: 12px; fill: #3d4752; }
            .label { font-size: 12px; font-weight: bold; fill: #2f6fde; }
            """;
}
