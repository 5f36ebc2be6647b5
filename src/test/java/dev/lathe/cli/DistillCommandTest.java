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
        assertTrue(r.out().contains("recorded as distilled #1"), r.out());
        try (var walk = Files.list(dir)) {
            assertEquals(java.util.List.of(), walk.filter(p -> p.getFileName().toString().contains("lathe-staging")).toList(), "no staging folder left");
        }

        // The study keeps the figures apart; `candidates` shows them after the study is reopened, and the measured ones unchanged.
        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        JsonNode mine = null;
        for (JsonNode c : list) if (c.path("id").asLong() == id) mine = c;
        assertTrue(mine != null && mine.path("distilled").size() == 1, list.toPrettyString());
        JsonNode d = mine.path("distilled").get(0);
        assertEquals(after, d.path("quality_after").asDouble(), 1e-12);
        assertEquals(report.at("/quality/before").asDouble(), d.path("quality_before").asDouble(), 1e-12);
        assertEquals(report.at("/run/steps").asInt(), d.path("steps").asInt());
        assertEquals(report.at("/data/training_fingerprint").asText(), d.path("data_fingerprint").asText());
        assertEquals(4, d.at("/settings/seed").asLong());
        assertEquals(out.toAbsolutePath().normalize().toString(), d.path("out").asText());
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertEquals(store.get(id).orElseThrow().quality(), mine.path("quality").asDouble(), 1e-12, "the measured figure stays the measured one");
            assertEquals(1, store.distilled().size());
        }
        String table = lathe("candidates", "--study", study.toString()).out();
        assertTrue(table.contains("distilled (trained after measuring"), table);

        // A second export into the same folder is refused and leaves it byte for byte as it was.
        byte[] model = Files.readAllBytes(out.resolve("model.onnx")), reportBytes = Files.readAllBytes(out.resolve("report.json"));
        LatheCommandTest.Run again = lathe("distill", "--study", study.toString(), "--candidate", Long.toString(id), "--data", data.toString(),
                "--steps", "5", "--out", out.toString());
        assertEquals(1, again.code(), again.out());
        assertTrue(again.err().contains("already exists and is not empty"), again.err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(model, Files.readAllBytes(out.resolve("model.onnx")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(reportBytes, Files.readAllBytes(out.resolve("report.json")));
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertEquals(1, store.distilled().size(), "nothing recorded for the refused export");
        }
    }

    /** Refused before any work: a folder the user has is not written into, whatever it holds. */
    @Test
    void refusesAnExistingNonEmptyFolderAndLeavesItUnchanged(@TempDir Path dir) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("s.sqlite"));
        Path out = Files.createDirectories(dir.resolve("mine"));
        Path kept = Files.write(out.resolve("notes.txt"), "the user's own file\n".getBytes());
        Files.write(out.resolve("model.onnx"), new byte[] {1, 2, 3});
        byte[] notes = Files.readAllBytes(kept);
        LatheCommandTest.Run r = lathe("distill", "--study", study.toString(), "--candidate", "1", "--data",
                TestModels.digitsMlp().resolveSibling("test.csv").toString(), "--steps", "5", "--out", out.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains(out.toString()) && r.err().contains("already exists and is not empty"), r.err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(notes, Files.readAllBytes(kept));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out.resolve("model.onnx")));
        try (var files = Files.list(out)) {
            assertEquals(2, files.count());
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("lathe-staging")));
        }
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertTrue(store.distilled().isEmpty());
        }
    }
}
