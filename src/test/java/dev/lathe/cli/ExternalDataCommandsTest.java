package dev.lathe.cli;

import static dev.lathe.cli.CliRun.lathe;

import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.LargeModelMaker;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The commands that run a model from memory, on a model that must go to ONNX Runtime by file: a small MLP with its
 * weights in {@code model.onnx.data}, the external-data threshold lowered to 1 KiB (the measurement worker gets the
 * same), so it takes the route a model over 2 GB takes. Each figure a command prints or records is checked against
 * ONNX Runtime running the original and the written candidate from their paths on the same evaluation rows.
 */
class ExternalDataCommandsTest {
    private static final int WIDTH = 32, HIDDEN = 48;

    @TempDir
    Path dir;
    private Path original, data;

    @BeforeEach
    void externalModel() throws Exception {
        System.setProperty(OnnxModel.THRESHOLD_PROPERTY, "1024");
        original = LargeModelMaker.write(dir.resolve("mlp"), WIDTH, HIDDEN);
        StringBuilder csv = new StringBuilder();
        for (int c = 0; c < WIDTH; c++) csv.append(c == 0 ? "" : ",").append("f").append(c);
        csv.append('\n');
        for (int r = 0; r < 24; r++) {
            for (int c = 0; c < WIDTH; c++) csv.append(c == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.5f", Math.sin(r * 1.3 + c * 0.7)));
            csv.append('\n');
        }
        data = Files.writeString(dir.resolve("rows.csv"), csv);
    }

    @AfterEach
    void restoreThreshold() {
        System.clearProperty(OnnxModel.THRESHOLD_PROPERTY);
    }

    @Test
    void pruneWithItsComparisonAndCompareWriteAndScoreAnExternalDataModel() throws Exception {
        Path out = dir.resolve("pruned/model.onnx");
        CliRun prune = lathe("prune", original.toString(), "--keep=mlp:fc1=0.5", "--criterion", "magnitude", "--repair", "none", "--quick",
                "--data", data.toString(), "--out", out.toString());
        assertEquals(0, prune.exit(), prune.all());
        assertTrue(Files.size(out) < 1000 && Files.exists(out.resolveSibling("model.onnx.data")), "written as model.onnx plus model.onnx.data");
        OnnxModel pruned = OnnxModel.load(out);
        assertEquals(2L * WIDTH * 24 + 24 + WIDTH, pruned.parameterCount(), "half of the 48 units kept");

        double cosine = meanCosine(out);
        assertTrue(cosine < 0.9999, "pruning changed the outputs: " + cosine);
        Matcher row = Pattern.compile("magnitude\\s+none\\s+cosine\\s+([0-9.]+)").matcher(prune.out());
        assertTrue(row.find(), prune.out());
        assertEquals(cosine, Double.parseDouble(row.group(1)), 6e-5, "the comparison table's mean cosine");

        CliRun compare = lathe("compare", original.toString(), out.toString(), "--quality-against", original.toString(),
                "--data", data.toString(), "--interleave", "20");
        assertEquals(0, compare.exit(), compare.all());
        Matcher q = Pattern.compile("quality model\\.onnx  cosine ([0-9.]+)").matcher(compare.out());
        assertTrue(q.find() && q.find(), compare.out()); // the original against itself, then the pruned model
        assertEquals(cosine, Double.parseDouble(q.group(1)), 6e-5, "compare's quality of the pruned model");
        assertTrue(compare.out().contains("interleaved 20 runs"), compare.out());
    }

    @Test
    void aSearchMeasuresInTheWorkerByPathAndItsExportIsAModelWithExternalDataThatReloads() throws Exception {
        Path study = dir.resolve("study.sqlite");
        CliRun search = lathe("search", original.toString(), "--study", study.toString(), "--budget", "4", "--quick",
                "--sensitivity-samples", "0", "--criterion", "magnitude", "--data", data.toString());
        assertEquals(0, search.exit(), search.all());
        CandidateRecord smallest;
        try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
            List<CandidateRecord> done = s.all().stream().filter(CandidateRecord::isDone).toList();
            assertTrue(done.size() >= 3, "measured in the worker: " + s.all());
            smallest = done.stream().min(Comparator.comparingLong(CandidateRecord::parameters)).orElseThrow();
        }
        assertTrue(smallest.parameters() < 2L * WIDTH * HIDDEN, "a pruned candidate: " + smallest);

        Path exported = dir.resolve("export");
        CliRun export = lathe("export", "--study", study.toString(), "--id", Long.toString(smallest.id()), "--out", exported.toString());
        assertEquals(0, export.exit(), export.all());
        Path model = exported.resolve("model.onnx");
        assertTrue(Files.size(model) < 1000 && Files.exists(exported.resolve("model.onnx.data")), "model.onnx plus model.onnx.data");
        assertEquals(smallest.parameters(), OnnxModel.load(model).parameterCount(), "the export reloads with the candidate's parameters");
        assertEquals(smallest.quality(), meanCosine(model), 1e-5, "the worker's recorded quality, recomputed from the two files by ONNX Runtime");

        CliRun again = lathe("export", "--study", study.toString(), "--id", Long.toString(smallest.id()), "--out", exported.toString());
        assertNotEquals(0, again.exit(), "an export never replaces files already there");
        assertTrue(again.all().contains("already holds"), again.all());
    }

    /** Mean cosine over the evaluation rows of {@code candidate}'s output against the original's, both opened by ONNX Runtime from their paths. */
    private double meanCosine(Path candidate) throws Exception {
        OnnxModel o = OnnxModel.load(original);
        Dataset evaluation = EvaluationData.resolve(o, data, null, InputShapes.of(1, 128)).evaluation();
        double sum = 0;
        try (OrtRunner a = OrtRunner.silent(null, original, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.silent(null, candidate, OrtRunner.RunnerSettings.cpu(1))) {
            for (Map<String, TensorData> sample : evaluation.samples())
                sum += TensorData.cosine(a.run(sample).get("y").floats(), b.run(sample).get("y").floats());
        }
        return sum / evaluation.size();
    }
}
