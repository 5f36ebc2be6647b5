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
 */
public final class SearchDistillation implements DistillShareStrategy.Step {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StudyStorage store;
    private final Path data, tokenizer;
    private final DistillationSettings settings;
    private final Consumer<String> log;
    private long millis;
    private int distilled, skipped;

    public SearchDistillation(StudyStorage store, Path data, Path tokenizer, DistillationSettings settings, Consumer<String> log) {
        if (data == null) throw new IllegalArgumentException("distillation in the search needs the study's data (--data)");
        this.store = store;
        this.data = data;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.log = log;
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
                DistilledExporter.Result r = DistilledExporter.export(store, c.id(), data, tokenizer, settings, scratch, false, (s, p, l, ms) -> true);
                JsonNode report = JSON.readTree(Files.readString(r.report()));
                DistilledCandidate d = store.recordDistilled(DistilledCandidate.of(c.id(), JSON.writeValueAsString(report.path("distillation_settings")),
                        report.at("/data/training_fingerprint").asText(null), r.distillation().steps(), r.qualityMetric(), r.qualityBefore(),
                        r.qualityAfter(), null, report.path("size_bytes").asLong(), null));
                distilled++;
                done++;
                log.accept(String.format(java.util.Locale.ROOT, "distilled #%d: %s %.4f -> %.4f (%+.4f) in %d steps, %.1f s", c.id(), d.qualityMetric(),
                        d.qualityBefore(), d.qualityAfter(), d.recovered(), d.steps(), (System.nanoTime() - t0) / 1e9));
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

    /** Candidates distilled and the time it took, for the run's summary. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "distilled %d candidates in %.1f min (kept apart from the measured figures; see candidates)%s",
                distilled, millis / 60000.0, skipped == 0 ? "" : "; passed over " + skipped + " with int8_static layers, which distillation cannot re-calibrate yet");
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
