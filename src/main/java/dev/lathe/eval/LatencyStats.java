package dev.lathe.eval;

import java.util.Arrays;

/**
 * Timing of one model under one setting: statistics of {@code runs} timed inferences after {@code warmupRuns},
 * the 95% confidence interval of the median ({@code ciLowMs}..{@code ciHighMs}, half-width {@code ciHalfWidthPct}
 * percent of the median; NaN with too few runs), whether warm-up settled and the interval reached the tolerance,
 * and the settings the figure was taken under. {@code cpuMedianMs} is the median CPU time the measuring
 * process spent per run (all its threads; NaN where unknown): on a busy machine it shows how much of the
 * wall-clock figure was waiting for a core. The raw samples are stored beside it, not in it.
 */
public record LatencyStats(double medianMs, double p90Ms, double meanMs, double stdMs, double minMs, int runs, int warmupRuns,
                           int threads, String provider, String shape,
                           double ciLowMs, double ciHighMs, double ciHalfWidthPct, boolean warmupSettled, boolean converged,
                           double timedSeconds, int interOpThreads, String optimizationLevel, String machine, double cpuMedianMs) {

    /** What a figure was measured under, besides the model and its input. */
    public record Settings(int intraOpThreads, int interOpThreads, String provider, String optimizationLevel, String shape, String machine) {}

    public static LatencyStats of(double[] samplesMs, int warmupRuns, int threads, String provider, String shape) {
        return of(samplesMs, warmupRuns, false, false, Double.NaN, new Settings(threads, 1, provider, "all", shape, null));
    }

    public static LatencyStats of(double[] samplesMs, int warmupRuns, boolean settled, boolean converged, double timedSeconds, Settings settings) {
        return of(samplesMs, null, warmupRuns, settled, converged, timedSeconds, settings);
    }

    public static LatencyStats of(double[] samplesMs, double[] cpuSamplesMs, int warmupRuns, boolean settled, boolean converged, double timedSeconds,
                                  Settings settings) {
        double cpuMedian = Double.NaN;
        if (cpuSamplesMs != null && cpuSamplesMs.length > 0) {
            double[] c = cpuSamplesMs.clone();
            Arrays.sort(c);
            cpuMedian = percentile(c, c.length, 50);
        }
        double[] s = samplesMs.clone();
        Arrays.sort(s);
        int n = s.length;
        double mean = Arrays.stream(s).average().orElse(Double.NaN);
        double var = Arrays.stream(s).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, n - 1);
        double median = percentile(s, n, 50);
        int[] ci = MedianConfidence.ranks(n, TimingProtocol.CONFIDENCE);
        double lo = ci == null ? Double.NaN : s[ci[0]], hi = ci == null ? Double.NaN : s[ci[1]];
        return new LatencyStats(median, percentile(s, n, 90), mean, Math.sqrt(var), s[0], n, warmupRuns,
                settings.intraOpThreads(), settings.provider(), settings.shape(), lo, hi, (hi - lo) / 2 / median * 100, settled, converged,
                timedSeconds, settings.interOpThreads(), settings.optimizationLevel(), settings.machine(), cpuMedian);
    }

    /** Linear interpolation between closest ranks, as numpy's default does. */
    static double percentile(double[] sorted, double p) {
        return percentile(sorted, sorted.length, p);
    }

    /** The same over the first {@code n} entries of {@code sorted}. */
    static double percentile(double[] sorted, int n, double p) {
        if (n == 1) return sorted[0];
        double rank = p / 100.0 * (n - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, n - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
