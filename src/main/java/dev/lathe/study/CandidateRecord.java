package dev.lathe.study;

/**
 * One row of a study as stored: the genome (as canonical JSON), where it came from, and what was measured.
 * Figures are null until the candidate is done; {@code error} is set when it failed. {@code latencyMs} is
 * the median as measured; {@code peakMemoryBytes} is the peak resident memory a candidate needs to load and run (above the measuring process before it), null where
 * unknown. {@code device} is the pool device that measured it, null for this machine. Figures derived from these (drift-corrected latency, speed-up, cost, feasibility) are the
 * {@link Study}'s to compute.
 */
public record CandidateRecord(long id, String genomeJson, String origin, int generation, CandidateStatus status,
                              Double latencyMs, Double latencyP90Ms, Double quality, String qualityMetric,
                              Double fidelity, Double accuracy, Long sizeBytes, Long parameters,
                              String latencyJson, String qualityJson, String error, Double evalSeconds,
                              String createdAt, String finishedAt, Long peakMemoryBytes, String device) {

    public CandidateRecord(long id, String genomeJson, String origin, int generation, CandidateStatus status,
                           Double latencyMs, Double latencyP90Ms, Double quality, String qualityMetric,
                           Double fidelity, Double accuracy, Long sizeBytes, Long parameters,
                           String latencyJson, String qualityJson, String error, Double evalSeconds,
                           String createdAt, String finishedAt, Long peakMemoryBytes) {
        this(id, genomeJson, origin, generation, status, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity, accuracy, sizeBytes,
                parameters, latencyJson, qualityJson, error, evalSeconds, createdAt, finishedAt, peakMemoryBytes, null);
    }

    public CandidateRecord(long id, String genomeJson, String origin, int generation, CandidateStatus status,
                           Double latencyMs, Double latencyP90Ms, Double quality, String qualityMetric,
                           Double fidelity, Double accuracy, Long sizeBytes, Long parameters,
                           String latencyJson, String qualityJson, String error, Double evalSeconds,
                           String createdAt, String finishedAt) {
        this(id, genomeJson, origin, generation, status, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity, accuracy, sizeBytes,
                parameters, latencyJson, qualityJson, error, evalSeconds, createdAt, finishedAt, null);
    }

    public boolean isDone() { return status == CandidateStatus.DONE; }

    /** The same row, measured on {@code d}. */
    public CandidateRecord withDevice(String d) {
        return new CandidateRecord(id, genomeJson, origin, generation, status, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity, accuracy,
                sizeBytes, parameters, latencyJson, qualityJson, error, evalSeconds, createdAt, finishedAt, peakMemoryBytes, d);
    }
}
