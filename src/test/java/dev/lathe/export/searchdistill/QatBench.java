package dev.lathe.export.searchdistill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.config.StudyConfig;
import dev.lathe.export.DistilledExporter;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The quantization-aware figures in docs/distillation-in-use.md, not a test: distils study candidates with int8 layers
 * the way {@code search --distill-share} does (the study's data and tokenizer, the search's budget), once in float and
 * once through fake int8, and prints quality before and after on the evaluation part of the data, which training never
 * sees. Reads the study only. Arguments: STUDY STEPS LR SEED ID...
 * ({@code java -cp target/test-classes:target/lathe.jar dev.lathe.export.searchdistill.QatBench ...}).
 */
public final class QatBench {
    public static void main(String[] args) throws Exception {
        Path study = Path.of(args[0]);
        int steps = Integer.parseInt(args[1]);
        double lr = Double.parseDouble(args[2]);
        long seed = Long.parseLong(args[3]);
        ObjectMapper json = new ObjectMapper();
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            StudyConfig config = StudyConfig.of(store).orElseThrow();
            Path data = Path.of(config.data().dataPath());
            Path tokenizer = config.data().tokenizerPath() == null ? null : Path.of(config.data().tokenizerPath());
            for (int i = 4; i < args.length; i++) {
                long id = Long.parseLong(args[i]);
                CandidateRecord c = store.get(id).orElseThrow();
                Genome g = GenomeJson.read(c.genomeJson());
                Set<String> int8 = g.layersAt(Precision.INT8);
                for (boolean qat : new boolean[] {false, true}) {
                    DistillationSettings s = DistillationSettings.steps(steps, seed).withLearningRate(lr);
                    if (qat) s = s.withFakeQuantizedLayers(int8);
                    Path out = Files.createTempDirectory("lathe-qat-bench-");
                    long t0 = System.nanoTime();
                    try {
                        DistilledExporter.Result r = DistilledExporter.export(store, id, data, tokenizer, s, out, false, (st, p, l, ms) -> true);
                        JsonNode rep = json.readTree(Files.readString(r.report()));
                        System.out.printf(Locale.ROOT, "#%d %s (%d int8 layers): %s %.4f -> %.4f (%+.4f), %d steps (best %d, %s), held-out loss %.5f -> %.5f, %.1f s%n",
                                id, qat ? "quantization-aware" : "float", int8.size(), r.qualityMetric(), r.qualityBefore(), r.qualityAfter(),
                                r.qualityAfter() - r.qualityBefore(), rep.at("/run/steps").asInt(), rep.at("/run/best_step").asInt(),
                                rep.at("/run/stop_reason").asText(), rep.at("/run/held_out_loss_before").asDouble(), rep.at("/run/held_out_loss_after").asDouble(),
                                (System.nanoTime() - t0) / 1e9);
                    } finally {
                        try (Stream<Path> w = Files.walk(out)) {
                            w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                        }
                    }
                }
            }
        }
    }
}
