package dev.lathe.ui.compare;

import dev.lathe.study.CandidateRecord;
import dev.lathe.ui.study.CandidateDetail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two candidates side by side, computed from their details: every figure of both (with which is better), the
 * units each keeps of every prunable group, and each quantizable layer's precision in each.
 */
record CandidateComparison(CandidateDetail a, CandidateDetail b, List<Figure> figures, List<GroupRow> groups, List<LayerRow> layers) {

    /** One figure of both; {@code lowerIsBetter} says which way is better; values are null where not measured. */
    record Figure(String key, String label, Double a, Double b, boolean lowerIsBetter) {
        /** -1 when A is better, 1 when B is, 0 when equal or not comparable. */
        int better() {
            if (a == null || b == null || a.equals(b)) return 0;
            boolean aBetter = lowerIsBetter ? a < b : a > b;
            return aBetter ? -1 : 1;
        }
    }

    /** The units both keep of one group (or whole block: 1 of 1, or 0 when dropped). */
    record GroupRow(String id, String name, CandidateDetail.GroupKeep a, CandidateDetail.GroupKeep b) {}

    /** Each candidate's precision of a layer ("float32" when it leaves the layer alone). */
    record LayerRow(String layer, String precisionA, String precisionB) {}

    static CandidateComparison of(CandidateDetail a, CandidateDetail b, List<String> quantizableLayers) {
        List<Figure> figures = new ArrayList<>();
        CandidateRecord ra = a.record(), rb = b.record();
        figures.add(new Figure("latency_ms", "Latency (median)", ra.latencyMs(), rb.latencyMs(), true));
        figures.add(new Figure("latency_p90_ms", "Latency (p90)", ra.latencyP90Ms(), rb.latencyP90Ms(), true));
        figures.add(new Figure("speedup", "Speed-up", a.original() ? Double.valueOf(1.0) : a.speedup(), b.original() ? Double.valueOf(1.0) : b.speedup(), false));
        String metric = ra.qualityMetric() != null ? ra.qualityMetric() : rb.qualityMetric() != null ? rb.qualityMetric() : "quality";
        figures.add(new Figure("quality", "Quality (" + metric.replace('_', ' ') + ")", ra.quality(), rb.quality(), false));
        if (!"fidelity".equals(metric) && (ra.fidelity() != null || rb.fidelity() != null))
            figures.add(new Figure("fidelity", "Fidelity", ra.fidelity(), rb.fidelity(), false));
        // A language model's (or classifier's) further figures, where either candidate's quality carries them.
        for (String[] f : new String[][] {{"klDivergence", "KL divergence (nats)"}, {"perplexity", "Perplexity"}}) {
            Double x = qualityFigure(ra, f[0]), y = qualityFigure(rb, f[0]);
            if (x != null || y != null) figures.add(new Figure(f[0], f[1], x, y, true));
        }
        figures.add(new Figure("size_bytes", "Size", bytes(ra.sizeBytes()), bytes(rb.sizeBytes()), true));
        figures.add(new Figure("parameters", "Parameters", bytes(ra.parameters()), bytes(rb.parameters()), true));

        // Groups in the order of A's detail (which lists every group of the model), then any only B names.
        Map<String, CandidateDetail.GroupKeep> ga = new LinkedHashMap<>(), gb = new LinkedHashMap<>();
        for (CandidateDetail.GroupKeep g : a.groups()) ga.put(g.id(), g);
        for (CandidateDetail.GroupKeep g : b.groups()) gb.put(g.id(), g);
        Set<String> ids = new LinkedHashSet<>(ga.keySet());
        ids.addAll(gb.keySet());
        List<GroupRow> groups = new ArrayList<>();
        for (String id : ids) {
            CandidateDetail.GroupKeep x = ga.get(id), y = gb.get(id);
            CandidateDetail.GroupKeep like = x != null ? x : y;
            // A block or group one of them leaves alone keeps everything there.
            if (x == null) x = new CandidateDetail.GroupKeep(id, like.name(), like.kind(), 1.0, like.of(), like.of());
            if (y == null) y = new CandidateDetail.GroupKeep(id, like.name(), like.kind(), 1.0, like.of(), like.of());
            groups.add(new GroupRow(id, like.name(), x, y));
        }

        Set<String> layerNames = new LinkedHashSet<>(quantizableLayers);
        layerNames.addAll(a.precisions().keySet());
        layerNames.addAll(b.precisions().keySet());
        List<LayerRow> layers = new ArrayList<>();
        for (String l : layerNames)
            layers.add(new LayerRow(l, a.precisions().getOrDefault(l, "float32"), b.precisions().getOrDefault(l, "float32")));
        return new CandidateComparison(a, b, List.copyOf(figures), List.copyOf(groups), List.copyOf(layers));
    }

    private static Double bytes(Long v) {
        return v == null ? null : v.doubleValue();
    }

    /** A number from the candidate's stored quality report, null when it has none. */
    private static Double qualityFigure(CandidateRecord r, String field) {
        if (r.qualityJson() == null || r.qualityJson().isBlank()) return null;
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.qualityJson()).get(field);
            return node == null || !node.isNumber() ? null : node.asDouble();
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
