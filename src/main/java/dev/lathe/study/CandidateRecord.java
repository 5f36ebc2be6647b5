package dev.lathe.study;

/**
 * One row of a study: the genome (as canonical JSON), where it came from, and what was measured.
 * Figures are null until the candidate is done; {@code error} is set when it failed. {@code latencyMs} is
 * the median as measured; {@code referenceMs} is the original's latency measured closest in time to it and
 * {@code correctedLatencyMs} the latency with the machine's drift taken out (see {@link DriftCorrection});
 * both are null in a study without reference measurements. {@code peakMemoryBytes} is the measuring
 * worker's peak resident memory, null where unknown.
 */
public record CandidateRecord(long id, String genomeJson, String origin, int generation, CandidateStatus status,
                              Double latencyMs, Double latencyP90Ms, Double quality, String qualityMetric,
                              Double fidelity, Double accuracy, Long sizeBytes, Long parameters,
                              String latencyJson, String qualityJson, String error, Double evalSeconds,
                              String createdAt, String finishedAt, Long peakMemoryBytes, Double referenceMs, Double correctedLatencyMs) {

    public CandidateRecord(long id, String genomeJson, String origin, int generation, CandidateStatus status,
                           Double latencyMs, Double latencyP90Ms, Double quality, String qualityMetric,
                           Double fidelity, Double accuracy, Long sizeBytes, Long parameters,
                           String latencyJson, String qualityJson, String error, Double evalSeconds,
                           String createdAt, String finishedAt) {
        this(id, genomeJson, origin, generation, status, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity, accuracy, sizeBytes,
                parameters, latencyJson, qualityJson, error, evalSeconds, createdAt, finishedAt, null, null, null);
    }

    public boolean isDone() { return status == CandidateStatus.DONE; }

    /** The latency to compare candidates by: drift-corrected when the study has references, as measured otherwise. */
    public Double comparableLatencyMs() {
        return correctedLatencyMs != null ? correctedLatencyMs : latencyMs;
    }

    /** The original's latency measured nearest in time over this candidate's, or null without a reference. */
    public Double speedup() {
        return referenceMs == null || latencyMs == null || latencyMs <= 0 ? null : referenceMs / latencyMs;
    }

    /** The same record with the drift figures filled in. */
    public CandidateRecord withReference(Double reference, Double corrected) {
        return new CandidateRecord(id, genomeJson, origin, generation, status, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity,
                accuracy, sizeBytes, parameters, latencyJson, qualityJson, error, evalSeconds, createdAt, finishedAt, peakMemoryBytes,
                reference, corrected);
    }
}
