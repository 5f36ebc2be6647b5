package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code lathe distill} on a study candidate, and {@code prune --repair distill} on one decision. */
class DistillCommandTest {
    @Test
    void pruneRepairDistillWritesADistilledModel(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.onnx");
        LatheCommandTest.Run r = lathe("prune", "sample:digits-mlp", "--keep", "mlp_units=0.25", "--repair", "distill", "--distill-steps", "40",
                "--distill-lr", "1e-3", "--quick", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("distilled ") && r.out().contains(" distill "), r.out());
        OnnxModel written = OnnxModel.load(out), original = OnnxModel.load(TestModels.digitsMlp());
        assertEquals(original.proto().getGraph().getOutputList(), written.proto().getGraph().getOutputList());
        assertTrue(written.parameterCount() < original.parameterCount() / 2, "pruned to a quarter of the units");
    }

    /** Exports a model ONNX Runtime re-scores as its report says. */
    @Test
    @Tag("slow")
    void distilsAPrunedCandidateAndReportsIt(@TempDir Path dir) throws Exception {
        Path study = TestStudies.searchDigitsMlp(dir.resolve("s.sqlite"), 6, 3);
        long id;
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            id = store.all().stream().filter(CandidateRecord::isDone).filter(c -> c.genomeJson().contains("keep"))
                    .min(java.util.Comparator.comparingDouble(CandidateRecord::quality)).orElseThrow().id();
        }
        Path data = TestModels.digitsMlp().resolveSibling("test.csv");
        Path out = dir.resolve("out");
        LatheCommandTest.Run r = lathe("distill", "--study", study.toString(), "--candidate", Long.toString(id), "--data", data.toString(),
                "--steps", "60", "--lr", "3e-3", "--seed", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Distilled 60 steps") || r.out().contains("early stopping"), r.out());

        JsonNode report = new ObjectMapper().readTree(Files.readString(out.resolve("report.json")));
        assertEquals(id, report.at("/candidate/id").asLong());
        assertEquals(4, report.at("/distillation_settings/seed").asLong());
        assertTrue(report.at("/data/training_fingerprint").asText().length() > 8);
        assertTrue(report.at("/run/loss_curve").size() == report.at("/run/steps").asInt());
        double after = report.at("/quality/after").asDouble();
        assertTrue(after >= report.at("/quality/before").asDouble() - 0.01, report.toPrettyString());

        OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
        OnnxModel exported = OnnxModel.load(out.resolve("model.onnx"));
        assertEquals(original.proto().getGraph().getInputList(), exported.proto().getGraph().getInputList());
        assertEquals(original.proto().getGraph().getOutputList(), exported.proto().getGraph().getOutputList());
        var split = EvaluationData.resolve(original, data, null, InputShapes.of(1, 1));
        double rescored = new QualityEvaluator(original, split.evaluation(), OrtRunner.RunnerSettings.cpu(1)).evaluate(exported).quality();
        assertEquals(after, rescored, 1e-9, "the report's quality is what ONNX Runtime scores on the evaluation data");
    }
}
