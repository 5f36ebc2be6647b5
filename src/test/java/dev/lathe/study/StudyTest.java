package dev.lathe.study;

import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The one definition of a study's front and of the figures derived from what it stores, on hand-made trials. */
class StudyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    static CandidateRecord trial(long id, String genome, int secondsAfter, double latencyMs, double quality, Long peakBytes) {
        return new CandidateRecord(id, genome, "test", 0, CandidateStatus.DONE, latencyMs, latencyMs * 1.1, quality, "accuracy", quality, quality,
                1000L, 100L, null, null, null, 1.0, T0.toString(), T0.plusSeconds(secondsAfter).toString(), peakBytes);
    }

    static String pruned(double keep) {
        return "{\"keep\":{\"g\":" + keep + "},\"int8\":[]}";
    }

    /** Latency front {1, 2, 3}; peak-memory front {1, 3, 4}. */
    static final List<CandidateRecord> TRIALS = List.of(
            trial(1, Study.ORIGINAL_GENOME, 1, 10, 0.90, 100L << 20),
            trial(2, pruned(0.5), 2, 5, 0.80, 120L << 20),
            trial(3, pruned(0.75), 3, 8, 0.85, 60L << 20),
            trial(4, pruned(0.25), 4, 12, 0.70, 50L << 20));

    @Test
    void theOriginalsGenomeKeyIsWhatGenomeJsonWrites() {
        assertEquals(GenomeJson.write(Genome.ORIGINAL), Study.ORIGINAL_GENOME);
    }

    @Test
    void theFrontIsOnTheStudysObjective() {
        Study latency = new Study(TRIALS, List.of(), Objective.LATENCY, Constraints.NONE);
        Study memory = new Study(TRIALS, List.of(), Objective.MEMORY, Constraints.NONE);
        assertEquals(Set.of(1L, 2L, 3L), latency.frontIds());
        assertEquals(List.of(2L, 3L, 1L), latency.front().stream().map(CandidateRecord::id).toList(), "by increasing latency");
        assertEquals(Set.of(1L, 3L, 4L), memory.frontIds(), "3 beats 2 on memory and quality; 4 uses the least memory");
        assertEquals(List.of(4L, 3L, 1L), memory.front().stream().map(CandidateRecord::id).toList(), "by increasing peak memory");
        assertEquals(60.0 * (1 << 20), memory.cost(TRIALS.get(2)));
        assertArrayEquals(new double[] {8, -0.85}, latency.objectives(TRIALS.get(2)));
    }

    @Test
    void underConstraintsOnlyFeasibleCandidatesMakeTheFront() {
        Study s = new Study(TRIALS, List.of(), Objective.LATENCY, new Constraints(9.0, null, null, null));
        assertEquals(Set.of(2L, 3L), s.frontIds(), "the original breaks the latency bound");
        assertEquals("latency 10.000 ms > 9 ms", s.describeViolations(TRIALS.get(0)));
        assertFalse(s.feasible(TRIALS.get(0)));
        Study none = new Study(TRIALS, List.of(), Objective.LATENCY, new Constraints(1.0, null, null, null));
        assertTrue(none.front().isEmpty(), "nothing feasible, no front");
    }

    /**
     * The original re-measured as its own candidate is 0.034 ms against a reference of 0.043 ms (the case the issue
     * saw reported as 1.29x): its speed-up is 1 by definition, and its drift-corrected latency is the anchor.
     */
    @Test
    void theOriginalsSpeedUpIsExactlyOne() {
        CandidateRecord original = trial(1, Study.ORIGINAL_GENOME, 10, 0.034, 0.9, null);
        CandidateRecord half = trial(2, pruned(0.5), 20, 0.0215, 0.8, null);
        List<ReferenceRun> refs = List.of(new ReferenceRun(1, T0.toString(), 0, 0.043, null, null, null));
        Study withReferences = new Study(List.of(original, half), refs, Objective.LATENCY, Constraints.NONE);
        assertEquals(1.0, withReferences.speedup(original));
        assertEquals(0.043, withReferences.correctedLatencyMs(original), 0.0);
        assertEquals(2.0, withReferences.speedup(half), 1e-12, "0.043 / 0.0215");
        Study without = new Study(List.of(original, half), List.of(), Objective.LATENCY, Constraints.NONE);
        assertEquals(1.0, without.speedup(original));
        assertEquals(0.034 / 0.0215, without.speedup(half), 1e-12, "against the original candidate without references");
    }

    @Test
    void addingATrialRecomputesTheFront() {
        Study s = new Study(TRIALS.subList(0, 2), List.of(), Objective.LATENCY, Constraints.NONE);
        assertEquals(Set.of(1L, 2L), s.frontIds());
        CandidateRecord better = trial(5, pruned(0.6), 5, 4, 0.95, null);
        assertEquals(Set.of(5L), s.with(better).frontIds(), "5 is faster and better than both");
        assertEquals(Set.of(1L, 2L), s.frontIds(), "a study is a snapshot");
    }
}
