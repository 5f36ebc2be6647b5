package dev.lathe.study;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Drift correction against hand-computed figures. */
class DriftCorrectionTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    private static ReferenceRun ref(int secondsAfter, double ms) {
        return new ReferenceRun(secondsAfter, T0.plusSeconds(secondsAfter).toString(), 0, ms, null, null, null);
    }

    private static CandidateRecord done(int secondsAfter, double ms) {
        return new CandidateRecord(secondsAfter, "{}", "nsga2", 0, CandidateStatus.DONE, ms, ms, 0.9, "cosine", 0.9, null, 1L, 1L, "{}", "{}", null, 1.0,
                T0.toString(), T0.plusSeconds(secondsAfter).toString());
    }

    @Test
    void eachCandidateIsDividedIntoTheReferenceNearestInTime() {
        // The machine slowed by 20% between the references at 0 s and 100 s; they are given out of order.
        DriftCorrection d = new DriftCorrection(List.of(ref(100, 12.0), ref(0, 10.0)));
        assertEquals(11.0, d.anchorMs(), 1e-12, "median of 10 and 12");
        assertEquals(10.0, d.referenceAt(T0.plusSeconds(10)));
        assertEquals(10.0, d.referenceAt(T0.plusSeconds(50)), "a tie goes to the earlier reference");
        assertEquals(12.0, d.referenceAt(T0.plusSeconds(51)));
        assertEquals(10.0, d.referenceAt(T0.minusSeconds(30)), "before the first reference");
        assertEquals(12.0, d.referenceAt(T0.plusSeconds(500)), "after the last");

        // Both candidates are twice as fast as the original at their moment, so both have speed-up 2 ...
        CandidateRecord early = done(10, 5.0), late = done(90, 6.0);
        Study s = new Study(List.of(early, late), List.of(ref(100, 12.0), ref(0, 10.0)), Objective.LATENCY, Constraints.NONE);
        assertEquals(2.0, s.speedup(early), 1e-12);
        assertEquals(2.0, s.speedup(late), 1e-12);
        // ... and the same corrected latency: latency x anchor / reference = 5 x 11 / 10 = 6 x 11 / 12 = 5.5 ms.
        assertEquals(5.5, s.correctedLatencyMs(early), 1e-12);
        assertEquals(5.5, s.correctedLatencyMs(late), 1e-12);
        assertEquals(5.5, s.comparableLatencyMs(late), 1e-12);
        assertEquals(5.5, s.cost(late), 1e-12, "the latency objective compares the corrected figure");
        assertEquals(6.0, late.latencyMs(), "the measured figure is kept as it was");
        assertEquals(0.2 / 1.1, d.spread(), 1e-12, "(12 - 10) / 11");
    }

    @Test
    void withoutReferencesNothingChanges() {
        DriftCorrection d = new DriftCorrection(List.of());
        assertTrue(d.isEmpty());
        CandidateRecord c = done(5, 3.0);
        Study s = new Study(List.of(c), List.of(), Objective.LATENCY, Constraints.NONE);
        assertNull(s.correctedLatencyMs(c));
        assertNull(s.speedup(c), "no references and no original: no base for a speed-up");
        assertEquals(3.0, s.comparableLatencyMs(c));
        assertTrue(Double.isNaN(d.spread()));
    }

    @Test
    void aFailedCandidateGetsNoFigures() {
        DriftCorrection d = new DriftCorrection(List.of(ref(0, 10.0)));
        CandidateRecord failed = new CandidateRecord(2, "{}", "nsga2", 0, CandidateStatus.FAILED, null, null, null, null, null, null, null, null,
                null, null, "crashed", null, T0.toString(), T0.plusSeconds(3).toString());
        Study s = new Study(List.of(failed), List.of(ref(0, 10.0)), Objective.LATENCY, Constraints.NONE);
        assertNull(s.speedup(failed));
        assertNull(s.correctedLatencyMs(failed));
        assertEquals(Double.MAX_VALUE, s.cost(failed));
    }
}
