package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class LatheCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run lathe(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = LatheCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Tag("minilm")
    @Test
    void inspectJsonDescribesMiniLm() throws Exception {
        Run r = lathe("inspect", TestModels.minilm().toString(), "--json", "--seq-len", "128");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        long params = j.get("parameters").asLong();
        assertTrue(params > 22_500_000 && params < 23_000_000, "about 22.7 M parameters: " + params);
        assertEquals(Files.size(TestModels.minilm()), j.get("size_bytes").asLong());
        assertEquals(3, j.get("inputs").size());
        long ffn = 0, heads = 0;
        for (JsonNode g : j.get("groups")) {
            assertTrue(g.has("id") && g.has("size"));
            if (g.get("kind").asText().equals("ffn_units")) ffn++;
            if (g.get("kind").asText().equals("attention_heads")) heads++;
        }
        assertEquals(6, ffn);
        assertEquals(6, heads);
        // 6 layers x (4 x 384^2 + 2 x 384 x 1536) x 128 tokens + attention 2 x 128^2 x 384, + pooler 384^2
        long expected = 6L * 128 * (4L * 384 * 384 + 2L * 384 * 1536) + 6L * 2 * 128 * 128 * 384 + 384L * 384;
        assertEquals(expected, j.get("macs").asLong());
        long layerSum = 0, ffnIn = 0;
        for (JsonNode l : j.get("layers")) {
            if (!l.get("macs").isNull()) layerSum += l.get("macs").asLong();
            if (l.get("name").asText().equals("/encoder/layer.0/intermediate/dense/MatMul")) ffnIn = l.get("macs").asLong();
        }
        assertEquals(expected, layerSum, "the layers' MACs add up to the model's");
        assertEquals(128L * 384 * 1536, ffnIn, "the first feed-forward projection at 128 tokens");
    }

    @Test
    void pruneComparesRankingsAndWritesOneModel() throws Exception {
        String mlp = TestModels.digitsMlp().toString();
        Run r = lathe("prune", mlp, "--keep", "mlp_units=0.5", "--criterion", "obs,magnitude", "--repair", "lstsq,none", "--quick");
        assertEquals(0, r.code(), r.err());
        for (String row : new String[] {"obs          lstsq", "obs          none", "magnitude    lstsq", "magnitude    none"})
            assertTrue(r.out().contains(row), "row " + row + " in\n" + r.out());
        assertTrue(r.out().contains("accuracy"), "the digits test set is labelled: " + r.out());

        Path out = dir.resolve("half.onnx");
        Run w = lathe("prune", mlp, "--keep", "mlp_units=0.5", "--out", out.toString(), "--quick");
        assertEquals(0, w.code(), w.err());
        var pruned = dev.lathe.model.OnnxModel.load(out);
        var original = dev.lathe.model.OnnxModel.load(TestModels.digitsMlp());
        assertTrue(pruned.parameterCount() < original.parameterCount() * 0.6, pruned.parameterCount() + " of " + original.parameterCount());
        long size = Files.size(out);
        Run again = lathe("prune", mlp, "--keep", "mlp_units=0.25", "--out", out.toString(), "--quick");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("exists"), again.err());
        assertEquals(size, Files.size(out), "an existing file is left alone");
        assertEquals(2, lathe("prune", mlp, "--keep", "mlp_units=0.5", "--criterion", "obs,magnitude", "--out", out.toString()).code());
        Run unknown = lathe("prune", mlp, "--keep", "attention_heads=0.5");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("no group or group kind 'attention_heads'"), unknown.err());
    }

    @Test
    void inspectCountsMlpMacs() throws Exception {
        Run r = lathe("inspect", TestModels.digitsMlp().toString(), "--json");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(64 * 128 + 128 * 64 + 64 * 10, j.get("macs").asLong());
        assertEquals(64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, j.get("parameters").asLong());
        // One row per weighted layer: its own weights and bias, its own MACs.
        java.util.List<Long> layerMacs = new java.util.ArrayList<>(), layerParams = new java.util.ArrayList<>();
        for (JsonNode l : j.get("layers")) {
            layerMacs.add(l.get("macs").asLong());
            layerParams.add(l.get("parameters").asLong());
        }
        assertEquals(java.util.List.of(64L * 128, 128L * 64, 64L * 10), layerMacs);
        assertEquals(java.util.List.of(64L * 128 + 128, 128L * 64 + 64, 64L * 10 + 10), layerParams);
    }

    @Test
    void shapeFixesDynamicDimensionsAndIsChecked() throws Exception {
        Run r = lathe("inspect", TestModels.digitsCnn().toString(), "--json", "--shape", "input=4,1,8,8");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("input=[4, 1, 8, 8]", j.get("macs_shape").asText());
        Run one = lathe("inspect", TestModels.digitsCnn().toString(), "--json");
        assertEquals(4 * new ObjectMapper().readTree(one.out()).get("macs").asLong(), j.get("macs").asLong(), "MACs scale with the batch");

        Run unknown = lathe("inspect", TestModels.digitsCnn().toString(), "--shape", "image=1,1,8,8");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("model's inputs are [input]"), unknown.err());
        Run fixedDim = lathe("bench", TestModels.digitsCnn().toString(), "--shape", "input=1,3,8,8");
        assertEquals(1, fixedDim.code());
        assertTrue(fixedDim.err().contains("dimension 1 is fixed at 1"), fixedDim.err());
    }

    @Test
    void benchPrintsTheStatisticsAndTheSettings() {
        Run r = lathe("bench", "sample:digits-mlp", "--batch", "8", "--repeat", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("provider cpu  intra-op threads 1"), r.out());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("median ")).count(), r.out());
        assertTrue(r.out().contains("input=[8, 64]"), r.out());
        assertTrue(r.out().contains("spread of medians over 2 measurements"), r.out());
        assertTrue(r.out().contains("in a measurement worker (pid "), "measured the way the search measures: " + r.out());
        assertTrue(r.out().lines().filter(l -> l.startsWith("median ")).allMatch(l -> l.contains("% (95% CI ")), r.out());
        assertTrue(r.out().contains("machine "), r.out());
        Run gpu = lathe("bench", "sample:digits-mlp", "--provider", "tpu");
        assertEquals(1, gpu.code());
        assertTrue(gpu.err().contains("unknown provider 'tpu'"), gpu.err());
        if (!dev.lathe.eval.ExecutionProviders.status("cuda").available()) {
            Run cuda = lathe("bench", "sample:digits-mlp", "--provider", "cuda");
            assertEquals(1, cuda.code());
            assertTrue(cuda.err().contains("CUDA was requested but is not available: "), cuda.err());
            Run search = lathe("search", "sample:digits-mlp", "--study", dir.resolve("gpu.sqlite").toString(), "--provider", "cuda");
            assertEquals(1, search.code());
            assertTrue(search.err().contains("CUDA was requested but is not available: "), search.err());
        }
    }

    @Test
    void randomStrategyIsABaselineInTheSameStudyFormat() throws Exception {
        Path study = dir.resolve("random.sqlite");
        Run s = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "4", "--strategy", "random", "--quick");
        assertEquals(0, s.code(), s.err());
        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        assertEquals(4, list.size());
        list.forEach(n -> assertEquals("random", n.get("origin").asText()));
        // Speed-ups are taken against the original re-measured nearest in time (the drift reference); the original's is 1 by definition.
        for (JsonNode n : list)
            if (n.get("genome").toString().equals(dev.lathe.study.Study.ORIGINAL_GENOME)) assertEquals(1.0, n.get("speedup").asDouble(), 0.0);
            else assertEquals(n.get("reference_ms").asDouble() / n.get("latency_ms").asDouble(), n.get("speedup").asDouble(), 1e-12);
        assertTrue(list.get(0).get("latency_corrected_ms").asDouble() > 0);
        assertTrue(s.out().contains("reference: original "), s.out());
        assertTrue(s.out().contains("Time: "), "where the time went: " + s.out());
    }

    @Test
    void peakMemoryCanBeTheObjective() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "peak memory is read from /proc");
        Path study = dir.resolve("memory.sqlite");
        Run s = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "3", "--quick", "--objective", "memory");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("Pareto front of peak memory against quality"), s.out());
        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        // Each candidate's own peak above the worker's baseline: a fraction of a MiB for the MLP, not the worker's ~150 MB.
        for (JsonNode n : list)
            assertTrue(n.get("peak_memory_bytes").isIntegralNumber() && n.get("peak_memory_bytes").asLong() < 16L << 20, n.toString());
        Run bad = lathe("search", "sample:digits-mlp", "--study", dir.resolve("m2.sqlite").toString(), "--objective", "memory", "--in-process");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("needs measuring in a worker process"), bad.err());
    }

    @Test
    void badInputGivesOneLineAndNonZeroExit() throws Exception {
        Path junk = dir.resolve("broken.onnx");
        Files.writeString(junk, "nope");
        Run corrupt = lathe("inspect", junk.toString());
        assertEquals(1, corrupt.code());
        assertTrue(corrupt.err().startsWith("lathe: broken.onnx: not a valid ONNX model"), corrupt.err());
        assertEquals(1, corrupt.err().strip().lines().count(), "no stack trace");

        Run missing = lathe("export", "--study", dir.resolve("none.sqlite").toString(), "--candidate", "1", "--out", dir.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("none.sqlite: study file not found"), missing.err());

        Run usage = lathe("search", TestModels.digitsMlp().toString());
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required option: '--study"), usage.err());

        Run budget = lathe("search", TestModels.digitsMlp().toString(), "--study", dir.resolve("s.sqlite").toString(), "--budget", "0");
        assertEquals(1, budget.code());
        assertTrue(budget.err().contains("budget must be at least 1"), budget.err());
    }

    @Tag("slow")
    @Test
    void searchCandidatesAndExportWorkTogether() throws Exception {
        Path study = dir.resolve("cnn.sqlite");
        Run s = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "3", "--quick");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("Pareto front"), s.out());
        Run c = lathe("candidates", "--study", study.toString(), "--json");
        JsonNode list = new ObjectMapper().readTree(c.out());
        assertEquals(3, list.size());
        for (JsonNode n : list)
            for (String k : new String[] {"id", "status", "pareto", "latency_ms", "quality", "size_bytes"}) assertTrue(n.has(k), k);
        Run p = lathe("candidates", "--study", study.toString(), "--json", "--pareto");
        JsonNode front = new ObjectMapper().readTree(p.out());
        assertTrue(front.size() >= 1);
        front.forEach(n -> assertTrue(n.get("pareto").asBoolean()));
        Run e = lathe("export", "--study", study.toString(), "--candidate", front.get(0).get("id").asText(), "--out", dir.resolve("out").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(Files.isRegularFile(dir.resolve("out/model.onnx")));
        assertTrue(Files.isRegularFile(dir.resolve("out/report.json")));
        assertTrue(Files.isRegularFile(dir.resolve("out/report.html")), "the readable report comes with every export");
    }

    @Test
    void benchAndSearchTimeOnCpuTimeWhenAsked() throws Exception {
        Run b = lathe("bench", "sample:digits-mlp", "--clock", "cpu", "--repeat", "2", "--threads", "2", "--in-process");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("clock CPU time per run"), b.out());
        assertEquals(2, b.out().lines().filter(l -> l.startsWith("median ") && l.contains(" ms CPU ±") && l.contains("  wall ")).count(), b.out());
        assertTrue(b.err().contains("WARNING: --clock cpu with 2 intra-op threads CPU time is the sum over the threads, not latency"), b.err());
        Run bad = lathe("bench", "sample:digits-mlp", "--clock", "sundial");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--clock: unknown clock 'sundial' (wall or cpu)"), bad.err());

        Path study = dir.resolve("cpu.sqlite");
        Run s = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "2", "--quick", "--clock", "cpu", "--in-process");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("Pareto front of latency on CPU time"), s.out());
        Run resumed = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "3", "--quick", "--in-process");
        assertEquals(0, resumed.code(), "without --clock a study resumes on its own clock: " + resumed.err());
        assertTrue(resumed.out().contains(" ms CPU ("), resumed.out());
        Run wall = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "4", "--quick", "--in-process", "--clock", "wall");
        assertEquals(1, wall.code());
        assertTrue(wall.err().contains("cpu.sqlite: its latencies are CPU time (--clock cpu); resuming it on wall clock would mix figures"), wall.err());
        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        assertEquals(3, list.size());
        list.forEach(n -> assertEquals("cpu", n.get("latency_clock").asText()));
        assertTrue(lathe("candidates", "--study", study.toString()).out().startsWith("latency: median CPU time per run"));
    }

    /**
     * --image-mean/--image-std reach the measurement worker: the search on digits written as PNGs (whose
     * fingerprint the worker must match) stores the quality an evaluation in this process gives with the same
     * normalization, for the original and for a pruned candidate, and not what it gives without it.
     */
    @Tag("slow")
    @Test
    void searchNormalizesImagesAsAskedInTheWorkerToo() throws Exception {
        Path images = dev.lathe.eval.data.TestData.digitPngFolder(dir.resolve("digits"), 90);
        Path study = dir.resolve("images.sqlite");
        Run s = lathe("search", TestModels.digitsCnn().toString(), "--study", study.toString(), "--data", images.toString(), "--budget", "3",
                "--population", "3", "--quick", "--sensitivity-samples", "0", "--image-mean", "0.6", "--image-std", "0.2");
        assertEquals(0, s.code(), s.err() + s.out());
        dev.lathe.model.OnnxModel cnn = dev.lathe.model.OnnxModel.load(TestModels.digitsCnn());
        try (dev.lathe.study.storage.SqliteStudyStorage store = dev.lathe.study.storage.SqliteStudyStorage.openExisting(study)) {
            dev.lathe.config.StudyConfig settings = dev.lathe.config.StudyConfig.of(store).orElseThrow();
            assertEquals(java.util.List.of(0.6), settings.data().imageMean());
            assertEquals(java.util.List.of(0.2), settings.data().imageStd());
            var normalized = dev.lathe.eval.data.EvaluationData.resolve(cnn, images, null, settings.data().inputShapes(),
                    new dev.lathe.eval.data.ImagePreprocessing(new double[] {0.6}, new double[] {0.2}));
            var quality = new dev.lathe.eval.quality.QualityEvaluator(cnn, normalized.evaluation(), dev.lathe.model.OrtRunner.RunnerSettings.cpu(1));
            var builder = dev.lathe.search.CandidateBuilders.of(cnn, settings, normalized);
            var done = store.all().stream().filter(dev.lathe.study.CandidateRecord::isDone).toList();
            assertEquals(3, done.size());
            for (var c : done)
                assertEquals(quality.evaluate(builder.build(dev.lathe.transform.genome.GenomeJson.read(c.genomeJson()))).quality(), c.quality(), 1e-12,
                        "candidate " + c.id() + " " + c.genomeJson());
            var plain = dev.lathe.eval.data.EvaluationData.resolve(cnn, images, null, settings.data().inputShapes(), null);
            double unnormalized = new dev.lathe.eval.quality.QualityEvaluator(cnn, plain.evaluation(), dev.lathe.model.OrtRunner.RunnerSettings.cpu(1)).evaluate(cnn).quality();
            assertNotEquals(unnormalized, done.get(0).quality(), "the normalization changed what the original scores");
        }
    }
}
