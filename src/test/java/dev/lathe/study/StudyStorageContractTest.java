package dev.lathe.study;

import dev.lathe.study.storage.InMemoryStudyStorage;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Both storages keep the same contract, and a Study read from either has the same front. */
class StudyStorageContractTest {
    @TempDir
    Path dir;

    private StudyStorage open(String kind) {
        return kind.equals("sqlite") ? SqliteStudyStorage.open(dir.resolve("contract.sqlite")) : new InMemoryStudyStorage();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "memory"})
    void predictorReportsReadBackInOrder(String kind) {
        PredictorReport predicted = new PredictorReport(12, "predictor", "gp", 0.61, 0.44, 8, 0.5, null, 0.12, 0.03, 2000);
        PredictorReport fallback = new PredictorReport(20, "fallback", "ridge", 0.12, null, 8, null, null, null, null, 0);
        try (StudyStorage s = open(kind)) {
            assertEquals(List.of(), s.predictorReports());
            s.appendPredictorReport(predicted);
            s.appendPredictorReport(fallback);
            assertEquals(List.of(predicted, fallback), s.predictorReports());
        }
        if (kind.equals("sqlite"))
            try (StudyStorage reopened = SqliteStudyStorage.openExisting(dir.resolve("contract.sqlite"))) {
                assertEquals(List.of(predicted, fallback), reopened.predictorReports(), "kept in the study file");
            }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "memory"})
    void distilledFiguresReadBackApartFromTheMeasuredOnes(String kind) {
        DistilledCandidate exported = DistilledCandidate.of(1, "{\"steps\":60,\"seed\":4}", "sha256:abc", 60, "accuracy", 0.81, 0.97, 0.42, 12345L, "/tmp/out");
        DistilledCandidate inSearch = DistilledCandidate.of(1, "{\"steps\":20}", "sha256:abc", 17, "accuracy", 0.81, 0.9, null, null, null);
        TrialResult measured = new TrialResult(0.5, 0.6, "{}", new double[] {0.5}, null, 0.81, "accuracy", 0.81, 0.81, "{}", 2000L, 100L, null, 0.1);
        try (StudyStorage s = open(kind)) {
            CandidateRecord c = s.addPending("keep=0.5", "random", 0);
            assertEquals(1, c.id());
            s.markRunning(c.id());
            s.recordDone(c.id(), measured);
            assertEquals(List.of(), s.distilled());
            DistilledCandidate first = s.recordDistilled(exported), second = s.recordDistilled(inSearch);
            assertTrue(first.id() > 0 && second.id() > first.id(), "ids given in order");
            assertEquals(List.of(first, second), s.distilled());
            assertEquals(exported.withId(first.id()), first, "every field kept");
            assertEquals(0.81, s.get(1).orElseThrow().quality(), "the measured figure is not replaced");
            assertThrows(StudyException.class, () -> s.recordDistilled(DistilledCandidate.of(99, "{}", null, 1, "accuracy", 0, 0, null, null, null)),
                    "a candidate the study lacks is refused");
            assertEquals(2, s.distilled().size());
        }
        if (kind.equals("sqlite"))
            try (SqliteStudyStorage reopened = SqliteStudyStorage.openExisting(dir.resolve("contract.sqlite"))) {
                List<DistilledCandidate> back = reopened.distilled();
                assertEquals(2, back.size());
                assertEquals(exported.withId(back.get(0).id()), back.get(0), "kept in the study file");
                assertEquals(inSearch.withId(back.get(1).id()), back.get(1));
                assertNull(back.get(1).latencyMs());
                assertEquals(SqliteStudyStorage.SCHEMA_VERSION, reopened.schemaVersion());
            }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "memory"})
    void trialsReferencesAndProvenanceReadBackAsWritten(String kind) {
        try (StudyStorage s = open(kind)) {
            assertTrue(s.origin().isEmpty() && s.configuration().isEmpty() && s.data().isEmpty());
            s.recordOrigin(new StudyOrigin("/m.onnx", "sha", "v", "2026-01-01T00:00:00Z"));
            s.saveConfiguration("{\"version\":2}");
            s.recordData(new DataIdentity("digits test.csv", "f00d"));
            s.recordOutputKind("logits");
            s.recordSensitivity("{\"layers\":[]}");
            CandidateRecord original = s.addPending(Study.ORIGINAL_GENOME, "seed", 0);
            assertEquals(original.id(), s.addPending(Study.ORIGINAL_GENOME, "nsga2", 2).id(), "same genome, same candidate");
            s.markRunning(original.id());
            s.recordDone(original.id(), new TrialResult(10, 11, "{}", new double[] {9.5, 10, 10.5}, new double[] {9, 10}, 0.9, "accuracy", 0.9, 0.9,
                    "{}", 1000L, 100L, 100L << 20, 1.0));
            s.recordReference(1, new TrialResult(10, 11, "{}", null, null, null, null, null, null, null, null, null, null, null));
            long fast = s.addPending(StudyTest.pruned(0.5), "nsga2", 1).id();
            s.recordDone(fast, TrialResult.of(5, 6, 0.8, "accuracy", 0.8, 0.8, 500, 50, 120L << 20, 1.0));
            long lean = s.addPending(StudyTest.pruned(0.75), "nsga2", 1).id();
            s.recordDone(lean, TrialResult.of(8, 9, 0.85, "accuracy", 0.85, 0.85, 700, 70, 60L << 20, 1.0));
            long crashed = s.addPending(StudyTest.pruned(0.25), "nsga2", 1).id();
            s.recordFailed(crashed, "crashed");
            long caught = s.addPending(StudyTest.pruned(0.3), "nsga2", 1).id();
            s.markRunning(caught);

            assertEquals("sha", s.origin().orElseThrow().modelSha256());
            assertEquals("{\"version\":2}", s.configuration().orElseThrow());
            assertEquals(new DataIdentity("digits test.csv", "f00d"), s.data().orElseThrow());
            assertEquals("logits", s.outputKind().orElseThrow());
            assertEquals("{\"layers\":[]}", s.sensitivity().orElseThrow());
            assertArrayEquals(new double[] {9.5, 10, 10.5}, s.latencySamples(original.id()).orElseThrow());
            assertArrayEquals(new double[] {9, 10}, s.cpuSamples(original.id()).orElseThrow());
            assertTrue(s.cpuSamples(fast).isEmpty());
            assertEquals(3, s.count(CandidateStatus.DONE));
            assertEquals("crashed", s.get(crashed).orElseThrow().error());
            assertEquals(1, s.resetInterrupted());
            assertEquals(CandidateStatus.PENDING, s.get(caught).orElseThrow().status());
            assertEquals(List.of(10.0), s.references().stream().map(ReferenceRun::latencyMs).toList());

            Study latency = Study.load(s, Objective.LATENCY, Constraints.NONE), memory = Study.load(s, Objective.MEMORY, Constraints.NONE);
            assertEquals(Set.of(original.id(), fast, lean), latency.frontIds());
            assertEquals(Set.of(original.id(), lean), memory.frontIds(), "lean uses half the memory of fast and scores better");
            assertEquals(1.0, latency.speedup(latency.original().orElseThrow()));
            assertEquals(Set.of(fast, lean), Study.load(s, Objective.LATENCY, new Constraints(9.0, null, null, null)).frontIds(),
                    "the original (10 ms) breaks the bound");
        }
    }

    /**
     * A pool's study names the device of every candidate and reference (a reopened file too), and each candidate is
     * compared with the original as measured on its own device: a device twice as slow gives the same speed-up.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "memory"})
    void devicesReadBackAndEachCandidateIsJudgedByItsDevicesReference(String kind) throws Exception {
        long slow, fast, local;
        try (StudyStorage s = open(kind)) {
            s.recordReference(0, ref(10), "board-1");
            s.recordReference(0, ref(20), "board-2");
            fast = s.addPending(StudyTest.pruned(0.5), "nsga2", 1).id();
            s.recordDone(fast, TrialResult.of(5, 6, 0.8, "accuracy", 0.8, 0.8, 500, 50, null, 1.0));
            s.recordDevice(fast, "board-1");
            slow = s.addPending(StudyTest.pruned(0.75), "nsga2", 1).id();
            s.recordDone(slow, TrialResult.of(10, 11, 0.8, "accuracy", 0.8, 0.8, 500, 50, null, 1.0));
            s.recordDevice(slow, "board-2");
            local = s.addPending(StudyTest.pruned(0.25), "nsga2", 1).id();
            s.recordDone(local, TrialResult.of(7.5, 8, 0.7, "accuracy", 0.7, 0.7, 400, 40, null, 1.0));
            if (kind.equals("memory")) check(s, fast, slow, local);
        }
        if (kind.equals("sqlite"))
            try (StudyStorage s = open(kind)) {
                check(s, fast, slow, local);
            }
    }

    private static TrialResult ref(double ms) {
        return new TrialResult(ms, ms, "{}", null, null, null, null, null, null, null, null, null, null, null);
    }

    private static void check(StudyStorage s, long fast, long slow, long local) {
        assertEquals(List.of("board-1", "board-2"), s.references().stream().map(ReferenceRun::device).toList());
        assertEquals("board-1", s.get(fast).orElseThrow().device());
        assertEquals("board-2", s.get(slow).orElseThrow().device());
        assertNull(s.get(local).orElseThrow().device(), "measured on this machine");
        Study st = Study.load(s, Objective.LATENCY, Constraints.NONE);
        assertEquals(2.0, st.speedup(st.trial(fast).orElseThrow()), 1e-9);
        assertEquals(2.0, st.speedup(st.trial(slow).orElseThrow()), 1e-9, "board-2 is twice as slow, its original too");
        assertEquals(st.comparableLatencyMs(st.trial(fast).orElseThrow()), st.comparableLatencyMs(st.trial(slow).orElseThrow()), 1e-9);
    }
}
