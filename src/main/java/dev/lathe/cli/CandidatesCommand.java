package dev.lathe.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.eval.LatencyClock;
import dev.lathe.study.Constraints;
import dev.lathe.search.HypervolumeHistory;
import dev.lathe.search.MeasuringOptions;
import dev.lathe.study.ParetoFront;
import dev.lathe.search.SearchSettings;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.StudyStore;
import dev.lathe.transform.Genome;
import dev.lathe.transform.GenomeJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "candidates", description = "List the candidates of a study.")
final class CandidatesCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, paramLabel = "FILE.sqlite") Path study;

    @Option(names = "--json", description = "print a JSON list") boolean json;

    @Option(names = "--pareto", description = "only the Pareto front") boolean pareto;

    @Option(names = "--csv", paramLabel = "OUT.csv", description = "write every candidate with all its figures to a CSV file instead")
    Path csv;

    @Option(names = "--force", description = "with --csv: replace an existing file") boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (StudyStore store = StudyStore.openExisting(study)) {
            if (csv != null) {
                int rows = dev.lathe.export.StudyCsvExporter.write(store, csv, force);
                spec.commandLine().getOut().println("Wrote " + rows + " candidates to " + csv);
                return 0;
            }
            List<CandidateRecord> all = store.all();
            // The front of the candidates meeting the study's constraints; the others are listed with what they break.
            Constraints constraints = SearchSettings.of(store).map(SearchSettings::constraints).orElse(Constraints.NONE);
            Set<Long> front = ParetoFront.ids(all, constraints);
            List<CandidateRecord> shown = pareto ? all.stream().filter(c -> front.contains(c.id())).toList() : all;
            Double base = originalLatency(all);
            LatencyClock clock = SearchSettings.of(store).map(SearchSettings::clock).orElse(LatencyClock.WALL);
            var out = spec.commandLine().getOut();
            if (json) {
                ArrayNode list = Json.MAPPER.createArrayNode();
                for (CandidateRecord c : shown) {
                    ObjectNode o = toJson(c, front.contains(c.id()), base).put("latency_clock", clock.id());
                    if (!constraints.isEmpty()) {
                        o.put("feasible", constraints.feasible(c));
                        ArrayNode v = o.putArray("violations");
                        constraints.violations(c).forEach(x -> v.addObject().put("constraint", x.name()).put("text", x.text()));
                    }
                    list.add(o);
                }
                out.println(Json.MAPPER.writeValueAsString(list));
            } else {
                out.println("latency: median " + clock.label() + " per run");
                if (!constraints.isEmpty()) out.println("constraints: " + constraints.describe() + " (the front is of the candidates meeting them)");
                out.printf("%5s %-8s %-6s %11s %9s %10s %14s%s%n", "id", "status", "pareto", clock == LatencyClock.CPU ? "cpu_ms" : "latency_ms", "speed-up", "quality", "size_bytes",
                        constraints.isEmpty() ? "" : "  violates");
                for (CandidateRecord c : shown)
                    out.printf("%5d %-8s %-6s %11s %9s %10s %14s%s%n", c.id(), c.status().id(), front.contains(c.id()) ? "*" : "",
                            c.latencyMs() == null ? "-" : String.format("%.3f", c.latencyMs()),
                            speedup(c, base) == null ? "-" : String.format("%.2fx", speedup(c, base)),
                            c.quality() == null ? "-" : String.format("%.4f", c.quality()),
                            c.sizeBytes() == null ? "-" : String.format("%,d", c.sizeBytes()),
                            constraints.isEmpty() ? "" : "  " + constraints.describeViolations(c));
                out.println(hypervolumeLine(all, store));
            }
        }
        return 0;
    }

    /** The study's final hypervolume on its own cost (see {@link HypervolumeHistory} for the normalization). */
    static String hypervolumeLine(List<CandidateRecord> all, StudyStore store) {
        boolean memory = store.meta("measuring").map(m -> MeasuringOptions.fromJson(m).objective().equals("memory")).orElse(false);
        List<HypervolumeHistory.Point> h = HypervolumeHistory.of(all, memory ? ParetoFront.PEAK_MEMORY : ParetoFront.LATENCY);
        if (h.isEmpty()) return "hypervolume: - (the original has no figures yet)";
        return String.format(java.util.Locale.ROOT, "hypervolume: %.4f after %d evaluations (share of the original's %s saved x quality; reference: the original at quality 0)",
                HypervolumeHistory.last(h), h.getLast().evaluations(), memory ? "peak memory" : "latency");
    }

    static ObjectNode toJson(CandidateRecord c, boolean onFront, Double baseLatency) throws Exception {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", c.id());
        o.put("status", c.status().id());
        o.put("pareto", onFront);
        o.put("origin", c.origin());
        o.put("generation", c.generation());
        putNullable(o, "latency_ms", c.latencyMs());
        putNullable(o, "latency_p90_ms", c.latencyP90Ms());
        putNullable(o, "quality", c.quality());
        o.put("quality_metric", c.qualityMetric());
        putNullable(o, "fidelity", c.fidelity());
        putNullable(o, "accuracy", c.accuracy());
        if (c.sizeBytes() != null) o.put("size_bytes", c.sizeBytes()); else o.putNull("size_bytes");
        if (c.parameters() != null) o.put("parameters", c.parameters()); else o.putNull("parameters");
        putNullable(o, "speedup", speedup(c, baseLatency));
        putNullable(o, "reference_ms", c.referenceMs());
        putNullable(o, "latency_corrected_ms", c.correctedLatencyMs());
        if (c.peakMemoryBytes() != null) o.put("peak_memory_bytes", c.peakMemoryBytes()); else o.putNull("peak_memory_bytes");
        o.set("genome", Json.MAPPER.readTree(c.genomeJson()));
        if (c.error() != null) o.put("error", c.error());
        return o;
    }

    private static void putNullable(ObjectNode o, String k, Double v) {
        if (v == null) o.putNull(k); else o.put(k, v);
    }

    /**
     * Speed-up over the original: against the reference measured nearest in time (drift-corrected) when the
     * study has references, else against the original candidate's own latency (studies from before schema 2).
     */
    static Double speedup(CandidateRecord c, Double originalLatency) {
        if (!c.isDone() || c.latencyMs() == null || c.latencyMs() <= 0) return null;
        if (c.speedup() != null) return c.speedup();
        return originalLatency == null ? null : originalLatency / c.latencyMs();
    }

    /** The measured latency of the unmodified model in this study, the base of every speed-up without references. */
    static Double originalLatency(List<CandidateRecord> all) {
        String key = GenomeJson.write(Genome.ORIGINAL);
        return all.stream().filter(c -> c.isDone() && c.genomeJson().equals(key)).map(CandidateRecord::latencyMs).findFirst().orElse(null);
    }
}
