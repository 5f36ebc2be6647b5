package dev.lathe.cli;

import dev.lathe.cli.options.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.study.Constraints;
import dev.lathe.search.HypervolumeHistory;
import dev.lathe.config.Studies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
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

    @Option(names = "--confirm", description = "first re-time every front candidate interleaved with the original (A B B A, in a measurement worker) "
            + "and store the confirmed speed-ups beside the search's")
    boolean confirm;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            if (confirm) dev.lathe.search.FrontConfirmation.confirmStudy(store, json ? spec.commandLine().getErr()::println : spec.commandLine().getOut()::println);
            if (csv != null) {
                int rows = dev.lathe.export.StudyCsvExporter.write(store, csv, force);
                spec.commandLine().getOut().println("Wrote " + rows + " candidates to " + csv);
                return 0;
            }
            // The study's own front: on its objective, of the candidates meeting its constraints; the others are listed with what they break.
            Study st = Studies.read(store);
            List<CandidateRecord> all = st.trials();
            Constraints constraints = st.constraints();
            Set<Long> front = st.frontIds();
            var confirmed = store.confirmations();
            List<CandidateRecord> shown = pareto ? all.stream().filter(c -> front.contains(c.id())).toList() : all;
            LatencyClock clock = dev.lathe.config.StudyConfig.of(store).map(c -> c.measuring().clock()).orElse(LatencyClock.WALL);
            var out = spec.commandLine().getOut();
            var distilled = store.distilled();
            if (json) {
                ArrayNode list = Json.MAPPER.createArrayNode();
                for (CandidateRecord c : shown) {
                    ObjectNode o = toJson(c, st).put("latency_clock", clock.id());
                    DistilledListing.addTo(o, c.id(), distilled);
                    var conf = confirmed.get(c.id());
                    if (conf == null) o.putNull("confirmed_speedup");
                    else o.put("confirmed_speedup", conf.speedup()).put("confirmed_low", conf.low()).put("confirmed_high", conf.high())
                            .put("confirmed_cycles", conf.cycles()).put("confirmed_device", conf.device());
                    dev.lathe.study.StoppedEarly.of(c).ifPresent(e -> o.put("stopped_early_samples", e.samples()).put("stopped_early_of", e.total()));
                    if (!constraints.isEmpty()) {
                        o.put("feasible", st.feasible(c));
                        ArrayNode v = o.putArray("violations");
                        st.violations(c).forEach(x -> v.addObject().put("constraint", x.name()).put("text", x.text()));
                    }
                    list.add(o);
                }
                out.println(Json.MAPPER.writeValueAsString(list));
            } else {
                out.println("latency: median " + clock.label() + " per run");
                if (st.objective() != Objective.LATENCY) out.println("front: " + st.objective().label() + " against quality");
                if (!constraints.isEmpty()) out.println("constraints: " + constraints.describe() + " (the front is of the candidates meeting them)");
                out.printf("%5s %-8s %-6s %11s %9s %9s %10s %14s%s%n", "id", "status", "pareto", clock == LatencyClock.CPU ? "cpu_ms" : "latency_ms", "speed-up",
                        "confirmed", "quality", "size_bytes", constraints.isEmpty() ? "" : "  violates");
                for (CandidateRecord c : shown)
                    out.printf("%5d %-8s %-6s %11s %9s %9s %10s %14s%s%s%n", c.id(), c.status().id(), front.contains(c.id()) ? "*" : "",
                            c.latencyMs() == null ? "-" : String.format("%.3f", c.latencyMs()),
                            st.speedup(c) == null ? "-" : String.format("%.2fx", st.speedup(c)),
                            confirmed.containsKey(c.id()) ? String.format("%.2fx", confirmed.get(c.id()).speedup()) : "-",
                            c.quality() == null ? "-" : String.format("%.4f", c.quality()),
                            c.sizeBytes() == null ? "-" : String.format("%,d", c.sizeBytes()),
                            constraints.isEmpty() ? "" : "  " + st.describeViolations(c),
                            dev.lathe.study.StoppedEarly.of(c).map(e -> "  (" + e.describe() + ")").orElse(""));
                if (!confirmed.isEmpty()) out.println("confirmed: " + dev.lathe.study.ConfirmedSpeedup.legend(confirmed.values()));
                out.println(hypervolumeLine(st));
                DistilledListing.print(out, distilled);
                var predictor = store.predictorReports();
                if (!predictor.isEmpty()) out.println("predictor, per generation (tau out of sample: cross-validated, and on the batch measured next):");
                for (var r : predictor) out.println("  " + r.describe());
            }
        }
        return 0;
    }

    /** The study's final hypervolume on its own cost (see {@link HypervolumeHistory} for the normalization). */
    static String hypervolumeLine(Study study) {
        List<HypervolumeHistory.Point> h = HypervolumeHistory.of(study);
        if (h.isEmpty()) return "hypervolume: - (the original has no figures yet)";
        return String.format(java.util.Locale.ROOT, "hypervolume: %.4f after %d evaluations (share of the original's %s saved x quality; reference: the original at quality 0)",
                HypervolumeHistory.last(h), h.getLast().evaluations(), study.objective().label());
    }

    static ObjectNode toJson(CandidateRecord c, Study study) throws Exception {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", c.id());
        o.put("status", c.status().id());
        o.put("pareto", study.onFront(c));
        o.put("origin", c.origin());
        o.put("generation", c.generation());
        o.put("device", c.device()); // the pool device that measured it; null: this machine
        putNullable(o, "latency_ms", c.latencyMs());
        putNullable(o, "latency_p90_ms", c.latencyP90Ms());
        putNullable(o, "quality", c.quality());
        o.put("quality_metric", c.qualityMetric());
        putNullable(o, "fidelity", c.fidelity());
        putNullable(o, "accuracy", c.accuracy());
        if (c.sizeBytes() != null) o.put("size_bytes", c.sizeBytes()); else o.putNull("size_bytes");
        if (c.parameters() != null) o.put("parameters", c.parameters()); else o.putNull("parameters");
        putNullable(o, "speedup", study.speedup(c));
        putNullable(o, "reference_ms", study.referenceMs(c));
        putNullable(o, "latency_corrected_ms", study.correctedLatencyMs(c));
        if (c.peakMemoryBytes() != null) o.put("peak_memory_bytes", c.peakMemoryBytes()); else o.putNull("peak_memory_bytes");
        o.set("genome", Json.MAPPER.readTree(c.genomeJson()));
        if (c.error() != null) o.put("error", c.error());
        return o;
    }

    private static void putNullable(ObjectNode o, String k, Double v) {
        if (v == null) o.putNull(k); else o.put(k, v);
    }
}
