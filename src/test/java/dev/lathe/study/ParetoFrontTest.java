package dev.lathe.study;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ParetoFrontTest {
    static CandidateRecord c(long id, CandidateStatus status, Double latency, Double quality) {
        return new CandidateRecord(id, "{}", "seed", 0, status, latency, latency, quality, "cosine", quality, null, 1L, 1L,
                null, null, null, 1.0, "", "");
    }

    @Test
    void keepsExactlyTheNonDominatedMeasuredCandidates() {
        List<CandidateRecord> all = List.of(
                c(1, CandidateStatus.DONE, 10.0, 0.90),
                c(2, CandidateStatus.DONE, 5.0, 0.80),
                c(3, CandidateStatus.DONE, 12.0, 0.85),   // slower and worse than 1
                c(4, CandidateStatus.DONE, 5.0, 0.70),    // as fast as 2, worse
                c(5, CandidateStatus.DONE, 20.0, 1.00),
                c(6, CandidateStatus.FAILED, null, null),
                c(7, CandidateStatus.PENDING, null, null));
        Study study = new Study(all, List.of(), Objective.LATENCY, Constraints.NONE);
        assertEquals(Set.of(1L, 2L, 5L), study.frontIds());
        assertEquals(List.of(2L, 1L, 5L), study.front().stream().map(CandidateRecord::id).toList(), "by latency");
        assertTrue(new Study(List.of(c(9, CandidateStatus.FAILED, null, null)), List.of(), Objective.LATENCY, Constraints.NONE).front().isEmpty());
    }
}
