package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.export.DistilledExporter;
import dev.lathe.export.searchdistill.DistillShareStrategy;
import dev.lathe.export.searchdistill.FrontGainRanking;
import dev.lathe.export.searchdistill.SearchDistillation;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** The distillation ranking and the quantization-aware path on real digits studies, scored again in ONNX Runtime. */
class DistillRankingSearchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * On a real digits CNN study: with a bar between a lossy candidate's quality and the original's, the ranking's first
     * pick is under the bar and faster than everything at or above it; candidates at or above the bar, or slower than
     * what passes it, are never picked; the order is the same on every call and whatever the order of the figures; and
     * the search's step distils that pick and records it with its latency timed against the undistilled candidate.
     */
    @Test
    @Tag("slow")
    void onADigitsStudyTheRankingPicksACandidateUnderABarAndTheStepDistilsIt(@TempDir Path dir) throws Exception {
        Path study = dir.resolve("cnn.lathe");
        var r = lathe("search", "sample:digits-cnn", "--study", study.toString(), "--budget", "12", "--population", "6", "--seed", "3", "--quick",
                "--precisions", "int8,fp16");
        assertEquals(0, r.code(), r.err() + r.out());
        Path data = TestModels.samples().resolve("digits-cnn/test.csv");
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            List<DistillShareStrategy.Measured> seen = measured(store);
            double ceiling = seen.stream().mapToDouble(m -> -m.objectives()[1]).max().orElseThrow();
            // the premise, from the study's own figures: a lossy candidate that nothing at least halfway to the ceiling beats on cost
            DistillShareStrategy.Measured under = seen.stream().filter(m -> -m.objectives()[1] < ceiling)
                    .filter(m -> seen.stream().noneMatch(o -> -o.objectives()[1] >= halfway(m, ceiling) && o.objectives()[0] <= m.objectives()[0]))
                    .min(Comparator.comparingDouble(m -> m.objectives()[0])).orElseThrow(() -> new AssertionError("no lossy candidate on the front: " + seen.size()));
            double bar = halfway(under, ceiling);
            FrontGainRanking ranking = new FrontGainRanking(List.of(bar));
            List<FrontGainRanking.Scored> ranked = ranking.rank(seen, g -> null, DistillRankingSearchTest::hasInt8, List.of());
            assertFalse(ranked.isEmpty());
            double bestAbove = seen.stream().filter(m -> -m.objectives()[1] >= bar).mapToDouble(m -> m.objectives()[0]).min().orElseThrow();
            for (FrontGainRanking.Scored s : ranked) {
                assertTrue(-s.measured().objectives()[1] < bar, "only candidates under the bar: " + s.describe());
                assertTrue(s.measured().objectives()[0] < bestAbove, "only candidates faster than everything above it: " + s.describe());
                assertEquals(bar, s.bar());
            }
            assertTrue(ranked.stream().anyMatch(s -> s.measured() == under), "the lossy front member is among them");
            List<Genome> order = genomes(ranked);
            assertEquals(order, genomes(ranking.rank(seen, g -> null, DistillRankingSearchTest::hasInt8, List.of())), "the same order again");
            List<DistillShareStrategy.Measured> shuffled = new ArrayList<>(seen);
            Collections.shuffle(shuffled, new Random(5));
            assertEquals(order, genomes(ranking.rank(shuffled, g -> null, DistillRankingSearchTest::hasInt8, List.of())), "whatever the order seen");

            List<String> log = new ArrayList<>();
            SearchDistillation step = new SearchDistillation(store, data, null, DistillationSettings.steps(20, 3).withLearningRate(3e-4), log::add);
            step.distil(ranked.stream().map(FrontGainRanking.Scored::measured).toList(), 1);
            List<DistilledCandidate> rows = store.distilled();
            assertEquals(1, rows.size(), String.join("\n", log));
            DistilledCandidate d = rows.getFirst();
            CandidateRecord picked = store.byGenome(GenomeJson.write(ranked.getFirst().measured().genome())).orElseThrow();
            assertEquals(picked.id(), d.candidateId(), "the first of the ranking is distilled");
            assertEquals(picked.quality(), d.qualityBefore(), 1e-9);
            JsonNode latency = JSON.readTree(d.settingsJson()).path("latency");
            assertTrue(latency.path("ratio_undistilled_over_distilled").asDouble() > 0, d.settingsJson());
            assertTrue(latency.path("ratio_low").asDouble() <= latency.path("ratio_high").asDouble());
            assertEquals(picked.latencyMs() / latency.path("ratio_undistilled_over_distilled").asDouble(), d.latencyMs(), 1e-12,
                    "the row's latency is the measured one scaled by the interleaved ratio");
            assertEquals(hasInt8(ranked.getFirst().measured().genome()), JSON.readTree(d.settingsJson()).path("quantization_aware").asBoolean());
            assertEquals(1, step.recoveries().size());
            assertEquals(d.qualityAfter(), step.distilledQuality(ranked.getFirst().measured().genome()), 1e-12);
        }
    }

    /**
     * A digits MLP candidate with int8 layers distilled quantization-aware: the search's step records it as such; the
     * export with the same settings writes a model whose int8 layers ONNX Runtime runs and scores to exactly the
     * report's figure, which equals the step's (the same seed gives the same distillation).
     */
    @Test
    @Tag("slow")
    void anInt8CandidateIsDistilledQuantizationAwareAndItsExportRescoresInOnnxRuntime(@TempDir Path dir) throws Exception {
        Path study = dir.resolve("mlp.lathe");
        var r = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "8", "--population", "4", "--seed", "3", "--quick",
                "--precisions", "int8");
        assertEquals(0, r.code(), r.err() + r.out());
        Path data = TestModels.digitsMlp().resolveSibling("test.csv");
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            DistillShareStrategy.Measured int8 = measured(store).stream().filter(m -> hasInt8(m.genome()))
                    .min(Comparator.comparingDouble(m -> -m.objectives()[1])).orElseThrow(() -> new AssertionError("no int8 candidate: " + r.out()));
            Set<String> layers = int8.genome().layersAt(Precision.INT8);
            DistillationSettings settings = DistillationSettings.steps(30, 4).withLearningRate(1e-3);
            List<String> log = new ArrayList<>();
            SearchDistillation step = new SearchDistillation(store, data, null, settings, log::add);
            step.distil(List.of(int8), 1);
            DistilledCandidate row = store.distilled().getFirst();
            JsonNode recorded = JSON.readTree(row.settingsJson());
            assertTrue(recorded.path("quantization_aware").asBoolean(), row.settingsJson());
            List<String> faked = new ArrayList<>();
            recorded.path("fake_quantized_layers").forEach(n -> faked.add(n.asText()));
            assertEquals(new java.util.TreeSet<>(layers), new java.util.TreeSet<>(faked));
            assertTrue(log.getFirst().contains("quantization-aware"), log.getFirst());

            long id = row.candidateId();
            Path out = dir.resolve("out");
            DistilledExporter.Result exported = DistilledExporter.export(store, id, data, null, settings.withFakeQuantizedLayers(layers), out, false,
                    (s, p, l, ms) -> true);
            JsonNode report = JSON.readTree(Files.readString(exported.report()));
            assertTrue(report.at("/distillation_settings/objective").asText().contains("int8 fake quantization"), report.toPrettyString());
            OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
            OnnxModel model = OnnxModel.load(exported.model());
            assertTrue(model.proto().getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("DynamicQuantizeLinear")
                    || n.getOpType().equals("DynamicQuantizeMatMul") || n.getOpType().equals("MatMulInteger")), "int8 applied after distillation");
            StudyConfig config = StudyConfig.of(store).orElseThrow();
            var split = EvaluationData.resolve(original, data, null, InputShapes.of(config.data().batch(), config.data().sequenceLength()));
            double rescored = new QualityEvaluator(original, split.evaluation(), OrtRunner.RunnerSettings.cpu(1)).evaluate(model).quality();
            assertEquals(report.at("/quality/after").asDouble(), rescored, 1e-9, "the report's figure is what ONNX Runtime scores");
            assertEquals(row.qualityAfter(), rescored, 1e-9, "the search's distillation and the export agree for the same seed");
        }
    }

    private static double halfway(DistillShareStrategy.Measured m, double ceiling) {
        return (-m.objectives()[1] + ceiling) / 2;
    }

    private static boolean hasInt8(Genome g) {
        return !g.layersAt(Precision.INT8).isEmpty();
    }

    private static List<Genome> genomes(List<FrontGainRanking.Scored> s) {
        return s.stream().map(x -> x.measured().genome()).toList();
    }

    /** The study's feasible done candidates as the search told them to the strategy. */
    private static List<DistillShareStrategy.Measured> measured(SqliteStudyStorage store) {
        StudyConfig config = StudyConfig.of(store).orElseThrow();
        Study s = Study.load(store, config.measuring().objective(), config.constraints());
        return s.trials().stream().filter(s::feasible).map(c -> new DistillShareStrategy.Measured(GenomeJson.read(c.genomeJson()), s.objectives(c))).toList();
    }
}
