package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.study.CandidateRecord;
import dev.lathe.transform.genome.Genome;
import dev.lathe.study.Study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The human-readable side of an export: a self-contained {@code report.html} (no scripts, no outside files)
 * with the candidate's figures beside the original's, the study's latency/quality scatter as inline SVG (the
 * Pareto front joined, the original marked, this candidate ringed), the share of every prunable group it keeps
 * as SVG bars, and each quantizable layer's precision. It is well-formed XHTML: every figure sits in a
 * {@code data-value} attribute in full precision, so scripts and tests can read the numbers back.
 */
public final class HtmlReport {
    public static final String FILE = "report.html";
    /** The scatter as an image file beside the report (and beside an index of several exports). */
    public static final String PLOT_FILE = "pareto.svg";

    private HtmlReport() {}

    /**
     * Renders the report of one exported candidate from its {@code report.json} content, every candidate of the
     * study (for the scatter and the original's figures), the model's prunable groups and its quantizable layers.
     */
    public static String render(JsonNode report, Study study, List<PrunableGroup> groups, List<String> quantizableLayers) {
        long id = report.at("/candidate/id").asLong();
        CandidateRecord original = study.original().orElse(null);
        JsonNode f = report.get("figures");
        String metric = textAt(f, "quality_metric", "quality");
        String model = fileName(report.at("/original/path").asText(""));

        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<title>Lathe export: candidate #").append(id).append(" of ").append(Svg.esc(model)).append("</title>\n<style>")
                .append(STYLE).append("</style>\n</head>\n<body>\n");
        h.append("<header><h1>Candidate #").append(id).append(" <span class=\"of\">of ").append(Svg.esc(model)).append("</span></h1>\n")
                .append("<p class=\"sub\">Study <code>").append(Svg.esc(fileName(report.path("study").asText("")))).append("</code> · exported ")
                .append(Svg.esc(report.path("exported_at").asText(""))).append(" · Lathe ").append(Svg.esc(report.path("lathe_version").asText("")))
                .append("</p></header>\n");

        // Figures beside the original's.
        h.append("<section><h2>Figures</h2>\n<table id=\"figures\">\n<thead><tr><th>Figure</th><th>Candidate</th><th>Original</th><th>Change</th></tr></thead>\n<tbody>\n");
        figure(h, "latency_ms", "Latency, median", num(f, "latency_ms"), original == null ? null : original.latencyMs(), "ms", true);
        figure(h, "latency_p90_ms", "Latency, 90th percentile", num(f, "latency_p90_ms"), original == null ? null : original.latencyP90Ms(), "ms", true);
        figure(h, "speedup", "Speed-up over the original", num(f, "speedup"), original == null ? null : 1.0, "×", false);
        figure(h, "quality", "Quality (" + metric.replace('_', ' ') + ")", num(f, "quality"), original == null ? null : original.quality(), "", false);
        if (num(f, "fidelity") != null && !"fidelity".equals(metric))
            figure(h, "fidelity", "Fidelity to the original", num(f, "fidelity"), original == null ? null : original.fidelity(), "", false);
        if (num(f, "accuracy") != null && !"accuracy".equals(metric))
            figure(h, "accuracy", "Accuracy", num(f, "accuracy"), original == null ? null : original.accuracy(), "", false);
        Double originalSize = report.at("/original/size_bytes").isNumber() ? report.at("/original/size_bytes").asDouble() : null;
        figure(h, "size_bytes", "File size", num(f, "size_bytes"), originalSize, "bytes", true);
        figure(h, "parameters", "Parameters", num(f, "parameters"), original == null || original.parameters() == null ? null : original.parameters().doubleValue(), "", true);
        h.append("</tbody>\n</table>\n");
        JsonNode v = report.get("verification");
        if (v != null)
            h.append("<p class=\"note\" id=\"verification\">Rebuilt from the original and reloaded: quality ")
                    .append(Svg.fmt(v.path("quality_reloaded").asDouble())).append(" against ").append(Svg.fmt(v.path("quality_recorded").asDouble()))
                    .append(" recorded by the study; inputs and outputs match the original's.</p>\n");
        h.append("</section>\n");

        h.append("<section><h2>").append(Svg.capitalized(study.objective().label())).append(" and quality of the study's candidates</h2>\n");
        ParetoScatter.scatter(h, study, List.of(id), metric, false);
        h.append("<p class=\"note\">The same plot as an image: <a href=\"").append(PLOT_FILE).append("\">").append(PLOT_FILE).append("</a>.</p>\n");
        h.append("</section>\n");

        h.append("<section><h2>What it keeps</h2>\n");
        bars(h, report, groups);
        h.append("</section>\n");

        h.append("<section><h2>Layer precision</h2>\n");
        precision(h, report, quantizableLayers);
        h.append("</section>\n");

        h.append("<section><h2>Provenance</h2>\n<table class=\"kv\">\n");
        kv(h, "Original model", report.at("/original/path").asText(""));
        kv(h, "Original SHA-256", report.at("/original/sha256").asText(""));
        kv(h, "Genome", report.at("/candidate/genome").toString());
        kv(h, "Data", report.at("/data/description").asText(""));
        kv(h, "Data fingerprint", report.at("/data/fingerprint").asText(""));
        kv(h, "Latency measured at", f.at("/latency/shape").asText("") + " · " + f.at("/latency/threads").asText("") + " thread(s) · "
                + f.at("/latency/runs").asText("") + " runs · " + (f.at("/latency/clock").asText("wall").equals("cpu") ? "CPU time per run" : "wall clock"));
        h.append("</table>\n<p class=\"note\">The same figures, the transforms and the settings are in <code>report.json</code> beside this file.</p>\n</section>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void figure(StringBuilder h, String key, String label, Double value, Double original, String unit, boolean lowerIsBetter) {
        h.append("<tr id=\"fig-").append(key).append("\"><th>").append(Svg.esc(label)).append("</th>");
        cell(h, value, unit);
        cell(h, original, unit);
        h.append("<td class=\"change\">");
        if (value != null && original != null && original != 0 && !"×".equals(unit)) {
            double rel = value / original - 1;
            boolean better = lowerIsBetter ? rel < 0 : rel > 0;
            h.append("<span class=\"").append(Math.abs(rel) < 5e-4 ? "same" : better ? "better" : "worse").append("\">")
                    .append(String.format(Locale.ROOT, "%+.1f%%", rel * 100)).append("</span>");
        }
        h.append("</td></tr>\n");
    }

    private static void cell(StringBuilder h, Double value, String unit) {
        if (value == null) {
            h.append("<td class=\"num\">–</td>");
            return;
        }
        String shown = switch (unit) {
            case "bytes" -> String.format(Locale.ROOT, "%,d bytes", value.longValue());
            case "×" -> String.format(Locale.ROOT, "%.2f×", value);
            case "ms" -> Svg.fmt(value) + " ms";
            default -> value == Math.rint(value) && Math.abs(value) > 1 ? String.format(Locale.ROOT, "%,d", value.longValue()) : Svg.fmt(value);
        };
        h.append("<td class=\"num\" data-value=\"").append(value).append("\">").append(Svg.esc(shown)).append("</td>");
    }

    /** One bar per prunable group (the share of units kept) and per whole block dropped. */
    private static void bars(StringBuilder h, JsonNode report, List<PrunableGroup> groups) {
        Map<String, int[]> kept = new LinkedHashMap<>();
        List<String[]> dropped = new ArrayList<>();
        for (JsonNode t : report.path("transforms")) {
            if (t.path("type").asText().equals("prune")) kept.put(t.path("group").asText(), new int[] {t.path("kept").asInt(), t.path("of").asInt()});
            if (t.path("type").asText().equals("drop_block")) dropped.add(new String[] {t.path("block").asText(), t.path("name").asText(t.path("block").asText())});
        }
        record Bar(String id, String name, int kept, int of, boolean block) {}
        List<Bar> rows = new ArrayList<>();
        for (PrunableGroup g : groups) {
            int[] k = kept.get(g.id());
            rows.add(new Bar(g.id(), g.name(), k == null ? g.size() : k[0], g.size(), false));
        }
        for (Map.Entry<String, int[]> e : kept.entrySet()) // groups the given list lacks: still shown
            if (groups.stream().noneMatch(g -> g.id().equals(e.getKey()))) rows.add(new Bar(e.getKey(), e.getKey(), e.getValue()[0], e.getValue()[1], false));
        for (String[] b : dropped) rows.add(new Bar(b[0], b[1], 0, 1, true));
        if (rows.isEmpty()) {
            h.append("<p class=\"note\">The model has no prunable groups.</p>\n");
            return;
        }
        int rowH = 24, labelW = 300, barW = 260, width = labelW + barW + 110;
        h.append("<svg id=\"keep-bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(rows.size() * rowH + 8)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(rows.size() * rowH + 8).append("\" role=\"img\">\n<title>Share of units kept per group</title>\n");
        int i = 0;
        for (Bar b : rows) {
            double y = 4 + i++ * rowH;
            double ratio = b.of() == 0 ? 1 : b.kept() / (double) b.of();
            String name = b.name().length() > 46 ? "…" + b.name().substring(b.name().length() - 45) : b.name();
            h.append("<g class=\"keep\" data-group=\"").append(Svg.esc(b.id())).append("\" data-kept=\"").append(b.kept()).append("\" data-of=\"")
                    .append(b.of()).append("\" data-ratio=\"").append(ratio).append("\"><title>").append(Svg.esc(b.name() + " (" + b.id() + ")")).append("</title>\n");
            h.append(Svg.text(labelW - 10, y + 15, name, "end", "bar-label"));
            h.append("<rect x=\"").append(labelW).append("\" y=\"").append(Svg.r(y + 4)).append("\" width=\"").append(barW)
                    .append("\" height=\"14\" rx=\"3\" fill=\"#eef1f5\"/>\n");
            h.append("<rect x=\"").append(labelW).append("\" y=\"").append(Svg.r(y + 4)).append("\" width=\"").append(Svg.r(barW * ratio))
                    .append("\" height=\"14\" rx=\"3\" fill=\"").append(ratio < 1 ? "#e8590c" : "#3f8f5a").append("\"/>\n");
            h.append(Svg.text(labelW + barW + 10, y + 15, b.block() ? "dropped" : b.kept() + " / " + b.of(), "start", "bar-count"));
            h.append("</g>\n");
        }
        h.append("</svg>\n");
    }

    /** Every layer that could be quantized, with the precision this candidate gives it. */
    private static void precision(StringBuilder h, JsonNode report, List<String> quantizableLayers) {
        // The genome's JSON: dynamic int8 layers under "int8", every other precision under "precision".
        java.util.Map<String, String> chosen = new java.util.LinkedHashMap<>();
        for (JsonNode l : report.at("/candidate/genome/int8")) chosen.put(l.asText(), "int8");
        report.at("/candidate/genome/precision").properties().forEach(e -> chosen.put(e.getKey(), e.getValue().asText()));
        List<String> layers = new ArrayList<>(quantizableLayers);
        for (String l : chosen.keySet()) if (!layers.contains(l)) layers.add(l);
        if (layers.isEmpty()) {
            h.append("<p class=\"note\">No MatMul, Gemm or Conv layer can change precision.</p>\n");
            return;
        }
        h.append("<table id=\"precision\">\n<thead><tr><th>Layer</th><th>Weights</th></tr></thead>\n<tbody>\n");
        for (String l : layers) {
            String p = chosen.getOrDefault(l, "float32");
            h.append("<tr data-layer=\"").append(Svg.esc(l)).append("\"><td><code>").append(Svg.esc(l)).append("</code></td><td><span class=\"")
                    .append(p.equals("float32") ? "fp32" : "int8").append("\">").append(Svg.esc(p)).append("</span></td></tr>\n");
        }
        h.append("</tbody>\n</table>\n<p class=\"note\">").append(chosen.size()).append(" of ").append(layers.size())
                .append(" layers below float32.</p>\n");
    }

    private static void kv(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(Svg.esc(k)).append("</th><td><code>").append(Svg.esc(v)).append("</code></td></tr>\n");
    }

    private static Double num(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || !v.isNumber() ? null : v.asDouble();
    }

    private static String textAt(JsonNode n, String field, String fallback) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    private static String fileName(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return slash >= 0 ? path.substring(slash + 1) : path;
    }

    /** One exported candidate as the index of several exports lists it: its folder's name relative to the index. */
    public record IndexEntry(CandidateRecord candidate, String folder, double reloadedQuality) {}

    /**
     * The {@code index.html} of several exports: the study's scatter with them ringed, and one row per export with
     * its figures and links to its report, model and JSON in its sub-folder.
     */
    public static String renderIndex(List<IndexEntry> exports, Study study, String modelName, String studyName) {
        String metric = study.trials().stream().filter(CandidateRecord::isDone).map(CandidateRecord::qualityMetric).filter(java.util.Objects::nonNull).findFirst().orElse("quality");
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<title>Lathe export: ").append(exports.size()).append(" candidates of ").append(Svg.esc(modelName)).append("</title>\n<style>")
                .append(STYLE).append("</style>\n</head>\n<body>\n");
        h.append("<header><h1>").append(exports.size()).append(" candidates <span class=\"of\">of ").append(Svg.esc(modelName)).append("</span></h1>\n")
                .append("<p class=\"sub\">Study <code>").append(Svg.esc(studyName)).append("</code> · exported ").append(Svg.esc(java.time.Instant.now().toString()))
                .append("</p></header>\n");
        h.append("<section><h2>Exported candidates</h2>\n<table id=\"exports\">\n<thead><tr><th>Candidate</th><th>Latency</th><th>")
                .append(Svg.esc(metric.replace('_', ' '))).append("</th><th>Speed-up</th><th>Size</th><th>Files</th></tr></thead>\n<tbody>\n");
        for (IndexEntry e : exports) {
            CandidateRecord c = e.candidate();
            Double speedup = study.speedup(c);
            String dir = Svg.esc(e.folder());
            h.append("<tr class=\"export\" data-id=\"").append(c.id()).append("\" data-folder=\"").append(dir).append("\"><th><a href=\"").append(dir)
                    .append('/').append(FILE).append("\">#").append(c.id()).append("</a></th>");
            cell(h, c.latencyMs(), "ms");
            cell(h, c.quality(), "");
            cell(h, speedup, "×");
            cell(h, c.sizeBytes() == null ? null : c.sizeBytes().doubleValue(), "bytes");
            h.append("<td><a href=\"").append(dir).append("/model.onnx\">model.onnx</a> · <a href=\"").append(dir).append("/report.json\">report.json</a> · <a href=\"")
                    .append(dir).append('/').append(FILE).append("\">").append(FILE).append("</a></td></tr>\n");
        }
        h.append("</tbody>\n</table>\n<p class=\"note\">Each model was rebuilt from the original, reloaded and scored again before it was written.</p>\n</section>\n");
        h.append("<section><h2>").append(Svg.capitalized(study.objective().label())).append(" and quality of the study's candidates</h2>\n");
        ParetoScatter.scatter(h, study, exports.stream().map(e -> e.candidate().id()).toList(), metric, false);
        h.append("<p class=\"note\">The same plot as an image: <a href=\"").append(PLOT_FILE).append("\">").append(PLOT_FILE).append("</a>.</p>\n");
        h.append("</section>\n</body>\n</html>\n");
        return h.toString();
    }

    private static final String STYLE = """
            body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2933; background: #f3f5f8; margin: 0; padding: 28px 36px; }
            header h1 { margin: 0 0 4px 0; font-size: 24px; } header .of { color: #66727f; font-weight: normal; }
            .sub, .note, .legend { color: #66727f; font-size: 13px; }
            section { background: white; border: 1px solid #dde2ea; border-radius: 8px; padding: 14px 18px 16px 18px; margin: 18px 0; max-width: 900px; }
            h2 { font-size: 15px; margin: 0 0 12px 0; }
            table { border-collapse: collapse; font-size: 13px; }
            th, td { text-align: left; padding: 5px 14px 5px 0; border-bottom: 1px solid #eef1f4; vertical-align: top; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            .better { color: #2f9e58; } .worse { color: #b42318; } .same { color: #66727f; }
            table.kv td code { word-break: break-all; font-size: 12px; }
            .int8 { background: #e8effc; color: #1d4ea8; border-radius: 4px; padding: 1px 6px; font-size: 12px; }
            .fp32 { color: #66727f; font-size: 12px; }
            svg text { font-family: inherit; } .tick { font-size: 11px; fill: #66727f; } .axis { font-size: 12px; fill: #3d4752; }
            .label { font-size: 12px; font-weight: bold; fill: #2f6fde; } .bar-label { font-size: 12px; fill: #1f2933; } .bar-count { font-size: 12px; fill: #3d4752; }
            .dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin: 0 4px 0 12px; vertical-align: middle; }
            .dot.front { background: #e8590c; } .dot.dominated { background: rgba(104,120,140,0.45); } .dot.original { background: #1f2933; border-radius: 1px; transform: rotate(45deg); }
            .dot.ring { border: 2.5px solid #2f6fde; width: 8px; height: 8px; }
            """;
}
