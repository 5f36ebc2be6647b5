package dev.lathe.eval;

import java.util.Arrays;

/** Timing of one model under one setting, from {@code runs} timed inferences after {@code warmupRuns}. */
public record LatencyStats(double medianMs, double p90Ms, double meanMs, double stdMs, double minMs, int runs, int warmupRuns,
                           int threads, String provider, String shape) {

    public static LatencyStats of(double[] samplesMs, int warmupRuns, int threads, String provider, String shape) {
        double[] s = samplesMs.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(Double.NaN);
        double var = Arrays.stream(s).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, s.length - 1);
        return new LatencyStats(percentile(s, 50), percentile(s, 90), mean, Math.sqrt(var), s[0], s.length, warmupRuns, threads, provider, shape);
    }

    /** Linear interpolation between closest ranks, as numpy's default does. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 1) return sorted[0];
        double rank = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
