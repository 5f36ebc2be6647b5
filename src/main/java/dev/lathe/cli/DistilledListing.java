package dev.lathe.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.cli.options.Json;
import dev.lathe.study.DistilledCandidate;

import java.io.PrintWriter;
import java.util.List;

/**
 * How {@code candidates} shows distilled figures: in a section of their own below the measured table (whose front is
 * of measured figures only), and in {@code --json} as a {@code distilled} list on the candidate each came from.
 */
final class DistilledListing {
    private DistilledListing() {}

    static void addTo(ObjectNode candidate, long id, List<DistilledCandidate> distilled) {
        List<DistilledCandidate> mine = distilled.stream().filter(d -> d.candidateId() == id).toList();
        if (mine.isEmpty()) return;
        ArrayNode list = candidate.putArray("distilled");
        for (DistilledCandidate d : mine) {
            ObjectNode o = list.addObject();
            o.put("id", d.id());
            o.put("steps", d.steps());
            o.put("quality_metric", d.qualityMetric());
            o.put("quality_before", d.qualityBefore());
            o.put("quality_after", d.qualityAfter());
            o.put("recovered", d.recovered());
            if (d.latencyMs() != null) o.put("latency_ms", d.latencyMs());
            if (d.sizeBytes() != null) o.put("size_bytes", d.sizeBytes());
            o.put("data_fingerprint", d.dataFingerprint());
            try {
                o.set("settings", Json.MAPPER.readTree(d.settingsJson()));
            } catch (java.io.IOException e) {
                o.put("settings", d.settingsJson());
            }
            if (d.outPath() != null) o.put("out", d.outPath());
            o.put("recorded_at", d.recordedAt());
        }
    }

    static void print(PrintWriter out, List<DistilledCandidate> distilled) {
        if (distilled.isEmpty()) return;
        out.println("distilled (trained after measuring; quality on the evaluation data, never trained on; not part of the measured front above):");
        out.printf("%5s %9s %6s %10s %10s %10s %16s %14s  %s%n", "#", "candidate", "steps", "before", "after", "recovered", "vs_undistilled", "size_bytes", "out");
        for (DistilledCandidate d : distilled)
            out.printf("%5d %9d %6d %10.4f %10.4f %+10.4f %16s %14s  %s%n", d.id(), d.candidateId(), d.steps(), d.qualityBefore(), d.qualityAfter(),
                    d.recovered(), latency(d), d.sizeBytes() == null ? "-" : String.format("%,d", d.sizeBytes()),
                    d.outPath() == null ? "(in search, not exported)" : d.outPath());
        if (distilled.stream().anyMatch(d -> !latency(d).equals("-")))
            out.println("vs_undistilled: the undistilled candidate's time over the distilled one's, timed A B B A; = when its 95% interval holds 1");
    }

    /** "1.012x" or "1.004x =" from a search's latency check, or "-" where latency was not measured. */
    private static String latency(DistilledCandidate d) {
        try {
            var l = Json.MAPPER.readTree(d.settingsJson()).path("latency");
            if (!l.has("ratio_undistilled_over_distilled")) return "-";
            return String.format(java.util.Locale.ROOT, "%.3fx%s", l.path("ratio_undistilled_over_distilled").asDouble(),
                    l.path("equal_within_noise").asBoolean() ? " =" : "");
        } catch (java.io.IOException e) {
            return "-";
        }
    }
}
