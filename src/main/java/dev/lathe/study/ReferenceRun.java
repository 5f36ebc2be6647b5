package dev.lathe.study;

/**
 * One re-measurement of the original model during a search: when, after how many measured candidates, and
 * its latency. Drift correction divides each candidate by the reference nearest to it in time.
 */
public record ReferenceRun(long id, String measuredAt, int afterCandidates, double latencyMs, Double latencyP90Ms, String latencyJson,
                           Long peakMemoryBytes) {}
