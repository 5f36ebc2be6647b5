package dev.lathe.study;

/**
 * One row of a study: the genome (as canonical JSON), where it came from, and what was measured.
 * Figures are null until the candidate is done; {@code error} is set when it failed.
 */
public record CandidateRecord(long id, String genomeJson, String origin, int generation, CandidateStatus status,
                              Double latencyMs, Double latencyP90Ms, Double quality, String qualityMetric,
                              Double fidelity, Double accuracy, Long sizeBytes, Long parameters,
                              String latencyJson, String qualityJson, String error, Double evalSeconds,
                              String createdAt, String finishedAt) {
    public boolean isDone() { return status == CandidateStatus.DONE; }
}
