package dev.lathe.export.searchdistill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.export.DistilledExporter;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The step {@link DistillShareStrategy} hands each generation's ranked candidates to: distils the first {@code quota} it can with the same
 * code {@code lathe distill} uses (on the study's data, a short budget), and records the figures in the study's
 * distilled candidates, never over its measured ones. Nothing is exported; the trained model is dropped once scored.
 * A candidate with int8_static layers is passed over before any work (their ranges would need recalibrating on the
 * distilled graph, which the exporter does not do yet); one that fails otherwise (an operator the executor lacks) is reported.
 * A candidate with dynamic int8 layers is distilled quantization-aware (those layers trained through straight-through
 * fake quantization, as they will run after export) unless that is turned off: plain distillation cannot see the
 * quality that int8 loses. Each distilled model is then timed against the undistilled candidate ({@link DistilledLatency});
 * the row's latency is the measured candidate's scaled by that ratio, and the settings say how it was measured.
 */
public final class SearchDistillation implements DistillShareStrategy.Step {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StudyStorage store;
    private final Path data, tokenizer;
    private final DistillationSettings settings;
    private final Consumer<String> log;
    private final boolean quantizationAware;
    private final DistilledLatency latency;
    private final java.util.Map<Long, Boolean> int8ById = new java.util.HashMap<>();
    private long millis, latencyMillis;
    private int distilled, skipped, sameSpeed;

    public SearchDistillation(StudyStorage store, Path data, Path tokenizer, DistillationSettings settings, Consumer<String> log) {
        this(store, data, tokenizer, settings, true, log);
    }

    public SearchDistillation(StudyStorage store, Path data, Path tokenizer, DistillationSettings settings, boolean quantizationAware,
                              Consumer<String> log) {
        if (data == null) throw new IllegalArgumentException("distillation in the search needs the study's data (--data)");
        this.store = store;
        this.data = data;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.log = log;
        this.quantizationAware = quantizationAware;
        this.latency = new DistilledLatency(store);
    }

    @Override
    public void distil(List<DistillShareStrategy.Measured> ranked, int quota) {
        int done = 0;
        for (DistillShareStrategy.Measured m : ranked) {
            if (done >= quota) break;
            CandidateRecord c = store.byGenome(GenomeJson.write(m.genome())).orElse(null);
            if (c == null || store.distilled().stream().anyMatch(d -> d.candidateId() == c.id())) continue;
            if (!m.genome().layersAt(dev.lathe.transform.genome.Precision.INT8_STATIC).isEmpty()) {
                skipped++; // refused by the exporter only after training: judged here, before any work
                continue;
            }
            long t0 = System.nanoTime();
            Path scratch = null;
            try {
                scratch = Files.createTempDirectory("lathe-search-distill-");
                java.util.Set<String> int8 = m.genome().layersAt(dev.lathe.transform.genome.Precision.INT8);
                DistillationSettings used = quantizationAware ? settings.withFakeQuantizedLayers(int8) : settings;
                DistilledExporter.Result r = DistilledExporter.export(store, c.id(), data, tokenizer, used, scratch, false, (s, p, l, ms) -> true);
                long trained = System.nanoTime();
                JsonNode report = JSON.readTree(Files.readString(r.report()));
                com.fasterxml.jackson.databind.node.ObjectNode recorded = (com.fasterxml.jackson.databind.node.ObjectNode) report.path("distillation_settings");
                recorded.put("quantization_aware", !used.fakeQuantizedLayers().isEmpty());
                Double latencyMs = null;
                String timing;
                try {
                    DistilledLatency.Result t = latency.measure(m.genome(), r.model());
                    if (t.sameWithinNoise()) sameSpeed++;
                    if (c.latencyMs() != null) latencyMs = c.latencyMs() / t.ratio();
                    com.fasterxml.jackson.databind.node.ObjectNode lat = recorded.putObject("latency");
                    lat.put("method", "interleaved A B B A against the undistilled candidate; latency_ms is the measured candidate's divided by the ratio");
                    lat.put("ratio_undistilled_over_distilled", t.ratio());
                    lat.put("ratio_low", t.low());
                    lat.put("ratio_high", t.high());
                    lat.put("cycles", t.cycles());
                    lat.put("clock", t.clock());
                    lat.put("equal_within_noise", t.sameWithinNoise());
                    timing = t.describe();
                } catch (Exception e) {
                    timing = "latency not measured: " + e.getMessage();
                }
                latencyMillis += (System.nanoTime() - trained) / 1_000_000;
                DistilledCandidate d = store.recordDistilled(DistilledCandidate.of(c.id(), JSON.writeValueAsString(recorded),
                        report.at("/data/training_fingerprint").asText(null), r.distillation().steps(), r.qualityMetric(), r.qualityBefore(),
                        r.qualityAfter(), latencyMs, report.path("size_bytes").asLong(), null));
                distilled++;
                done++;
                log.accept(String.format(java.util.Locale.ROOT, "distilled #%d%s: %s %.4f -> %.4f (%+.4f) in %d steps, %.1f s; %s", c.id(),
                        used.fakeQuantizedLayers().isEmpty() ? "" : " quantization-aware (" + int8.size() + " int8 layers)", d.qualityMetric(),
                        d.qualityBefore(), d.qualityAfter(), d.recovered(), d.steps(), (System.nanoTime() - t0) / 1e9, timing));
            } catch (Exception e) {
                log.accept("not distilled #" + c.id() + ": " + e.getMessage());
            } finally {
                millis += (System.nanoTime() - t0) / 1_000_000;
                delete(scratch);
            }
        }
    }

    @Override
    public Double distilledQuality(dev.lathe.transform.genome.Genome genome) {
        CandidateRecord c = store.byGenome(GenomeJson.write(genome)).orElse(null);
        if (c == null) return null;
        return store.distilled().stream().filter(d -> d.candidateId() == c.id()).map(DistilledCandidate::qualityAfter).max(Double::compare).orElse(null);
    }

    @Override
    public List<FrontGainRanking.Recovery> recoveries() {
        return store.distilled().stream().map(d -> new FrontGainRanking.Recovery(d.qualityBefore(), d.qualityAfter(), hasInt8(d.candidateId()))).toList();
    }

    @Override
    public void ranking(List<FrontGainRanking.Scored> scored) {
        if (scored.isEmpty()) {
            log.accept("distillation: no candidate could improve the front at the quality bars; none distilled this generation");
            return;
        }
        StringBuilder line = new StringBuilder("distillation ranking:");
        for (FrontGainRanking.Scored s : scored.subList(0, Math.min(3, scored.size()))) {
            String id = store.byGenome(GenomeJson.write(s.measured().genome())).map(c -> "#" + c.id()).orElse("?");
            line.append(String.format(java.util.Locale.ROOT, " %s (%.4f, %s);", id, -s.measured().objectives()[1], s.describe()));
        }
        log.accept(line.toString());
    }

    private boolean hasInt8(long candidateId) {
        return int8ById.computeIfAbsent(candidateId, id -> store.get(id)
                .map(c -> !GenomeJson.read(c.genomeJson()).layersAt(dev.lathe.transform.genome.Precision.INT8).isEmpty()).orElse(false));
    }

    /** Candidates distilled and the time it took, for the run's summary. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "distilled %d candidates in %.1f min, of which %.1f min timing them against the undistilled ones "
                        + "(%d of %d the same speed within noise; kept apart from the measured figures; see candidates)%s",
                distilled, millis / 60000.0, latencyMillis / 60000.0, sameSpeed, distilled,
                skipped == 0 ? "" : "; passed over " + skipped + " with int8_static layers, which distillation cannot re-calibrate yet");
    }

    private static void delete(Path dir) {
        if (dir == null) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a scratch folder in the temporary directory; nothing of the user's
        }
    }
}
