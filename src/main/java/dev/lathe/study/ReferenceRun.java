package dev.lathe.study;

/**
 * One re-measurement of the original model during a search: when, after how many measured candidates, and
 * its latency, and the pool device it was measured on (null for this machine). Drift correction divides each
 * candidate by the reference nearest to it in time, taken on the candidate's own device where it has any.
 */
public record ReferenceRun(long id, String measuredAt, int afterCandidates, double latencyMs, Double latencyP90Ms, String latencyJson,
                           Long peakMemoryBytes, String device) {
    public ReferenceRun(long id, String measuredAt, int afterCandidates, double latencyMs, Double latencyP90Ms, String latencyJson, Long peakMemoryBytes) {
        this(id, measuredAt, afterCandidates, latencyMs, latencyP90Ms, latencyJson, peakMemoryBytes, null);
    }
}
