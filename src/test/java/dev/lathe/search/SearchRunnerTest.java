package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.config.PrecisionChoices;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.SessionInfo;
import dev.lathe.eval.worker.PoisonModels;
import dev.lathe.eval.worker.WorkerMeasurer;
import dev.lathe.eval.worker.WorkerProcess;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.StudyException;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class SearchRunnerTest {
    @TempDir
    Path dir;

    static StudyConfig quick(int budget) {
        return dev.lathe.TestStudies.quickDigitsMlp(budget, 3);
    }

    @Test
    void searchFillsTheStudyAndStopsAtTheBudget() throws Exception {
        Path study = dir.resolve("mlp.sqlite");
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            SearchRunner.Outcome o = new SearchRunner(TestModels.digitsMlp(), quick(6), store, new SearchRunner.Listener() {}).run();
            assertEquals(6, o.measured());
            assertFalse(o.front().isEmpty());
            List<CandidateRecord> all = store.all();
            assertEquals(6, all.stream().filter(CandidateRecord::isDone).count());
            CandidateRecord original = all.get(0);
            assertEquals("{\"keep\":{},\"int8\":[]}", original.genomeJson(), "the original is measured first");
            assertEquals(527 / 540.0, original.quality(), 1e-9);
            assertEquals("accuracy", original.qualityMetric());
            assertTrue(all.stream().allMatch(c -> c.latencyMs() > 0 && c.sizeBytes() > 0));
            assertTrue(all.stream().anyMatch(c -> c.sizeBytes() < original.sizeBytes() / 2), "some candidate is much smaller");
        }
    }

    @Tag("minilm")
    @Test
    void miniLmSearchOnSentencesFindsAFrontOfSeveralCandidates() throws Exception {
        // No sensitivity pass here (37 layers); SearchSpaceSensitivityTest covers it on the digits models.
        StudyConfig s = dev.lathe.TestStudies.config(6, 1, 1, 32, 6, TestModels.sentences().toAbsolutePath().toString(),
                TestModels.minilmTokenizer().toAbsolutePath().toString(), true)
                .with(dev.lathe.config.PrecisionConfig.of(PrecisionChoices.DEFAULT, dev.lathe.transform.quantization.QuantizationOptions.DEFAULT, 0));
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("minilm.sqlite"))) {
            SearchRunner.Outcome o = new SearchRunner(TestModels.minilm(), s, store, new SearchRunner.Listener() {}).run();
            assertEquals(6, o.measured());
            assertEquals("embedding", store.outputKind().orElseThrow());
            CandidateRecord original = store.all().get(0);
            assertEquals(1.0, original.quality(), 1e-6, "the original is perfectly faithful to itself");
            CandidateRecord int8 = store.all().get(1);
            assertTrue(int8.quality() > 0.98 && int8.quality() < 1.0, "all-int8 embeddings stay close: " + int8.quality());
            assertTrue(int8.sizeBytes() < original.sizeBytes() * 0.7);
            assertTrue(o.front().size() >= 2, "at least the original and a faster variant: " + o.front());
        }
    }

    /**
     * Candidate 2 hangs its worker and candidate 3 exhausts its heap (real models, swapped in for what the
     * search built): both are recorded as failed with the reason, each time a fresh worker takes over, and
     * the search measures the rest to its budget, with the original re-measured as the drift reference.
     */
    @Tag("slow")
    @Test
    void candidatesThatHangOrKillTheWorkerFailAndTheSearchGoesOn() throws Exception {
        AtomicInteger count = new AtomicInteger();
        SearchRunner.MeasurerFactory poisoning = (setup, options, log) -> {
            WorkerMeasurer real = new WorkerMeasurer(setup, new WorkerProcess.Options("128m", 120, options.timeoutSeconds(), List.of()), log);
            return new CandidateMeasurer() {
                @Override
                public SessionInfo start() { return real.start(); }

                @Override
                public Measurement measure(OnnxModel candidate) throws CandidateFailedException {
                    return switch (count.incrementAndGet()) {
                        case 2 -> real.measure(PoisonModels.endlessLoop());
                        case 3 -> real.measure(PoisonModels.huge(160));
                        default -> real.measure(candidate);
                    };
                }

                @Override
                public Measurement measureReference() throws CandidateFailedException { return real.measureReference(); }

                @Override
                public boolean isolated() { return true; }

                @Override
                public void close() { real.close(); }
            };
        };
        List<String> log = new ArrayList<>();
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("poisoned.sqlite"))) {
            SearchRunner.Outcome o = new SearchRunner(TestModels.digitsMlp(), quick(6).with(quick(6).measuring().withTimeout(8)), store,
                    new SearchRunner.Listener() {
                        @Override
                        public void message(String text) { log.add(text); }
                    }).measurers(poisoning).run();
            assertEquals(6, o.measured());
            List<CandidateRecord> all = store.all();
            assertEquals(CandidateStatus.FAILED, all.get(1).status());
            assertTrue(all.get(1).error().startsWith("timed out after 8 s"), all.get(1).error());
            assertEquals(CandidateStatus.FAILED, all.get(2).status());
            assertTrue(all.get(2).error().contains("exit code 3 (out of memory)"), all.get(2).error());
            assertEquals(4, all.stream().filter(CandidateRecord::isDone).count(), "every other candidate was measured");
            assertEquals(3, log.stream().filter(l -> l.startsWith("Measurement worker started")).count(), "two restarts: " + log);
            assertTrue(store.references().size() >= 2, "the original was re-measured at the start and the end");
            Study study = Study.load(store, Objective.LATENCY, Constraints.NONE);
            assertTrue(all.stream().filter(CandidateRecord::isDone).allMatch(c -> study.speedup(c) != null && study.correctedLatencyMs(c) != null));
            assertTrue(store.latencySamples(all.get(0).id()).orElseThrow().length > 0, "raw samples stored");
            assertTrue(store.machine().orElseThrow().contains("logicalCores"));
            assertTrue(store.configuration().orElseThrow().contains("\"provider\":\"cpu\""));
        }
    }

    /**
     * A search timed on CPU time: every candidate's latency (the objective) and every reference is the median
     * of its runs' CPU time, stored with both sample sets; the study reopens with its clock, refuses to be
     * resumed on the wall clock, and resumes on its own.
     */
    @Tag("slow")
    @Test
    void aCpuClockSearchStoresCpuMediansAndKeepsItsClock() throws Exception {
        Path study = dir.resolve("cpu.sqlite");
        List<String> log = new ArrayList<>();
        SearchRunner.Listener listener = new SearchRunner.Listener() {
            @Override
            public void message(String text) { log.add(text); }
        };
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            assertEquals(4, new SearchRunner(TestModels.digitsMlp(), quick(4).withClock(LatencyClock.CPU), store, listener).run().measured());
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("Timing on CPU time per run")), log.toString());
        ObjectMapper json = new ObjectMapper();
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertEquals(LatencyClock.CPU, StudyConfig.of(store).orElseThrow().measuring().clock());
            List<CandidateRecord> done = store.all().stream().filter(CandidateRecord::isDone).toList();
            Study read = Study.load(store, Objective.LATENCY, Constraints.NONE);
            assertEquals(4, done.size());
            for (CandidateRecord c : done) {
                LatencyStats stats = json.readValue(c.latencyJson(), LatencyStats.class);
                assertEquals("cpu", stats.clock());
                assertEquals(stats.cpuMedianMs(), c.latencyMs(), 0.0, "candidate " + c.id() + ": the objective is the CPU median");
                double[] cpu = store.cpuSamples(c.id()).orElseThrow();
                double[] wall = store.latencySamples(c.id()).orElseThrow();
                assertEquals(median(cpu), c.latencyMs(), 0.0, "the median of the stored CPU samples");
                assertEquals(median(wall), stats.wallMedianMs(), 0.0, "the wall-clock median is kept too");
                if (Study.isOriginal(c)) assertEquals(1.0, read.speedup(c), "the original's speed-up is 1 by definition");
                else assertEquals(read.referenceMs(c) / c.latencyMs(), read.speedup(c), 1e-12);
            }
            assertFalse(store.references().isEmpty());
            for (ReferenceRun r : store.references())
                assertEquals(json.readValue(r.latencyJson(), LatencyStats.class).cpuMedianMs(), r.latencyMs(), 0.0, "references are CPU medians too");

            StudyException refused = assertThrows(StudyException.class,
                    () -> new SearchRunner(TestModels.digitsMlp(), quick(6), store, listener).run());
            assertTrue(refused.getMessage().contains("its latencies are CPU time (--clock cpu)"), refused.getMessage());
            assertTrue(refused.getMessage().contains("Resume with --clock cpu"), refused.getMessage());
            assertEquals(4, store.count(CandidateStatus.DONE), "nothing was measured on the wrong clock");
            assertEquals(LatencyClock.CPU, StudyConfig.of(store).orElseThrow().measuring().clock());

            assertEquals(5, new SearchRunner(TestModels.digitsMlp(), quick(5).withClock(LatencyClock.CPU), store, listener).run().measured());
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : s[n / 2 - 1] + (s[n / 2] - s[n / 2 - 1]) * 0.5;
    }

    @Test
    void aStudyOfAnotherModelIsRefused() throws Exception {
        Path study = dir.resolve("x.sqlite");
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            store.recordOrigin(new dev.lathe.study.StudyOrigin("/elsewhere/other.onnx", "0000", null, null));
            StudyException e = assertThrows(StudyException.class,
                    () -> new SearchRunner(TestModels.digitsMlp(), quick(2), store, new SearchRunner.Listener() {}).run());
            assertTrue(e.getMessage().contains("belongs to a different model"), e.getMessage());
        }
    }

    /**
     * The real thing: a search in a separate JVM is killed hard mid-way; resuming keeps every completed
     * candidate exactly as it was and measures only what is missing.
     */
    @Tag("slow")
    @Test
    void killedAndRestartedSearchLosesNoCompletedCandidate() throws Exception {
        Path study = dir.resolve("killed.sqlite");
        Process p = cli(true, "search", TestModels.digitsMlp().toString(), "--study", study.toString(), "--budget", "40",
                "--population", "4", "--quick", "--seed", "5", "--data", TestModels.samples().resolve("digits-mlp/test.csv").toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && doneCount(study) < 3) Thread.sleep(100);
        p.destroyForcibly().waitFor();
        Map<Long, String> before = finishedAt(study);
        assertTrue(before.size() >= 3, "the child measured some candidates before it was killed");

        Process resumed = cli(false, "search", TestModels.digitsMlp().toString(), "--study", study.toString(), "--budget", Integer.toString(before.size() + 3),
                "--quick", "--seed", "5", "--data", TestModels.samples().resolve("digits-mlp/test.csv").toString());
        String out = new String(resumed.getInputStream().readAllBytes());
        assertEquals(0, resumed.waitFor(), out);
        assertTrue(out.contains("Resuming: " + before.size() + " of"), out);
        Map<Long, String> after = finishedAt(study);
        before.forEach((id, t) -> assertEquals(t, after.get(id), "candidate " + id + " was not measured again"));
        assertEquals(before.size() + 3, after.size());
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            assertEquals(0, s.count(CandidateStatus.RUNNING));
        }
    }

    private static Process cli(boolean discardOutput, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.lathe.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (discardOutput) pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return pb.start();
    }

    private static long doneCount(Path study) {
        if (!Files.exists(study)) return 0;
        try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
            return s.count(CandidateStatus.DONE);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static Map<Long, String> finishedAt(Path study) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            return s.all().stream().filter(CandidateRecord::isDone).collect(Collectors.toMap(CandidateRecord::id, CandidateRecord::finishedAt));
        }
    }
}
