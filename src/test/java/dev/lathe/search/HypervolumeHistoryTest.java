package dev.lathe.search;

import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.TestModels;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HypervolumeHistoryTest {
    private static final String ORIGINAL = "{\"keep\":{},\"int8\":[]}";

    @TempDir
    Path dir;

    private static CandidateRecord done(long id, double latencyMs, double quality) {
        String genome = id == 1 ? ORIGINAL : "{\"keep\":{\"g" + id + "\":0.5},\"int8\":[]}";
        return new CandidateRecord(id, genome, "test", 0, CandidateStatus.DONE, latencyMs, latencyMs, quality, "accuracy", quality, quality,
                1000L, 100L, null, null, null, 1.0, null, null);
    }

    private static CandidateRecord other(long id, CandidateStatus status) {
        return new CandidateRecord(id, "{\"keep\":{\"g" + id + "\":0.25},\"int8\":[]}", "test", 0, status, null, null, null, null, null, null,
                null, null, null, null, status == CandidateStatus.FAILED ? "crashed" : null, null, null, null);
    }

    /**
     * Areas worked out by hand in the normalized space (latency / 10 ms, 1 - quality), reference (1, 1):
     * the original adds nothing; A (0.5, 0.2) covers 0.5 × 0.8; B (0.8, 0.05) adds 0.2 × 0.95 less the 0.2 × 0.8
     * A already covers; E (0.2, 0.1) covers 0.8 × 0.9 and leaves B its strip 0.2 × 0.05.
     */
    @Test
    void handMadeFrontsGiveTheHandComputedAreas() {
        List<CandidateRecord> study = List.of(
                done(1, 10, 0.9),                  // the original: x = 1, nothing dominated
                done(2, 5, 0.8),                   // A
                other(3, CandidateStatus.FAILED),  // an evaluation that adds no point
                done(4, 8, 0.95),                  // B
                done(5, 6, 0.7),                   // dominated by A
                done(6, 20, 1.0),                  // slower than the original: outside the reference point
                other(7, CandidateStatus.PENDING), // not yet evaluated: no point in the history
                done(8, 2, 0.9));                  // E dominates A
        List<HypervolumeHistory.Point> h = HypervolumeHistory.of(latency(study));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), h.stream().map(HypervolumeHistory.Point::evaluations).toList());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 8L), h.stream().map(HypervolumeHistory.Point::candidateId).toList());
        double[] expected = {0, 0.4, 0.4, 0.4 + 0.19 - 0.16, 0.43, 0.43, 0.72 + 0.01};
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], h.get(i).hypervolume(), 1e-12, "after evaluation " + (i + 1));
        assertEquals(0.73, HypervolumeHistory.last(h), 1e-12);
    }

    private static Study latency(List<CandidateRecord> trials) {
        return new Study(trials, List.of(), Objective.LATENCY, Constraints.NONE);
    }

    @Test
    void aSinglePointCoversItsRectangleToTheReference() {
        assertEquals(0.3 * 0.6, HypervolumeHistory.hypervolume(List.of(new double[] {0.7, 0.4})), 1e-12);
        assertEquals(0, HypervolumeHistory.hypervolume(List.of(new double[] {1, 0})), "on the reference point's edge");
        assertEquals(0, HypervolumeHistory.hypervolume(List.of()));
    }

    @Test
    void noHistoryWithoutTheOriginalsFigures() {
        assertTrue(HypervolumeHistory.of(latency(List.of(done(2, 5, 0.8), done(3, 4, 0.7)))).isEmpty(), "costs are relative to the original");
        assertTrue(HypervolumeHistory.of(new Study(List.of(done(1, 10, 0.9)), List.of(), Objective.MEMORY, Constraints.NONE)).isEmpty(), "no peak memory recorded");
    }

    /** A real search: one point per evaluation, never falling, ending at the area of the study's front computed by a sweep. */
    @Test
    void aRealStudysHistoryNeverFallsAndEndsAtItsFrontsArea() throws Exception {
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("hv.sqlite"))) {
            new SearchRunner(TestModels.digitsMlp(), SearchRunnerTest.quick(8), store, new SearchRunner.Listener() {}).run();
            Study study = Study.load(store, Objective.LATENCY, Constraints.NONE);
            List<HypervolumeHistory.Point> h = HypervolumeHistory.of(study);
            assertEquals(8, h.size());
            for (int i = 1; i < h.size(); i++)
                assertTrue(h.get(i).hypervolume() >= h.get(i - 1).hypervolume(), "evaluation " + (i + 1) + ": " + h);
            assertEquals(sweptArea(study), HypervolumeHistory.last(h), 1e-12);
        }
    }

    /** The 2-D hypervolume by the textbook sweep: sort by x, add each point's strip below the best y so far. */
    private static double sweptArea(Study study) {
        CandidateRecord original = study.trials().stream().filter(c -> c.genomeJson().equals(ORIGINAL)).findFirst().orElseThrow();
        double base = study.comparableLatencyMs(original);
        List<double[]> pts = new ArrayList<>();
        for (CandidateRecord c : study.trials())
            if (c.isDone()) pts.add(new double[] {Math.min(1, study.comparableLatencyMs(c) / base), Math.min(1, Math.max(0, 1 - c.quality()))});
        pts.sort(Comparator.comparingDouble(p -> p[0]));
        double area = 0, bestY = 1;
        for (int i = 0; i < pts.size(); i++) {
            bestY = Math.min(bestY, pts.get(i)[1]);
            double nextX = i + 1 < pts.size() ? pts.get(i + 1)[0] : 1;
            area += (nextX - pts.get(i)[0]) * (1 - bestY);
        }
        return area;
    }
}
