package dev.lathe.eval.timing;

import java.util.Arrays;

/**
 * Timing of one model under one setting: statistics of {@code runs} timed samples after {@code warmupRuns}
 * warm-up inferences, each sample the time per inference of {@code runsPerSample} consecutive ones (more than
 * one only for models that run in well under a millisecond, see {@link LatencyMeter#MIN_SAMPLE_MS}),
 * the 95% confidence interval of the median ({@code ciLowMs}..{@code ciHighMs}, half-width {@code ciHalfWidthPct}
 * percent of the median; NaN with too few runs), whether warm-up settled and the interval reached the tolerance,
 * and the settings the figure was taken under. {@code cpuMedianMs} is the median CPU time the measuring
 * process spent per run (all its threads; NaN where unknown): on a busy machine it shows how much of the
 * wall-clock figure was waiting for a core. {@code clock} says which clock the other figures (median, p90,
 * mean, interval, ...) are read on ({@link LatencyClock}: "wall", or "cpu" where the protocol timed CPU time);
 * {@code wallMedianMs} is the wall-clock median whichever it was, so both clocks' medians are always there.
 * {@code timedSeconds} counts on the same clock (CPU seconds spent timing, under the CPU clock).
 * The raw samples are stored beside it, not in it.
 */
public record LatencyStats(double medianMs, double p90Ms, double meanMs, double stdMs, double minMs, int runs, int warmupRuns,
                           int threads, String provider, String shape,
                           double ciLowMs, double ciHighMs, double ciHalfWidthPct, boolean warmupSettled, boolean converged,
                           double timedSeconds, int interOpThreads, String optimizationLevel, String machine, double cpuMedianMs,
                           String clock, double wallMedianMs, int runsPerSample) {

    public LatencyStats {
        // Figures from before the clock was a choice were all wall clock.
        clock = LatencyClock.parse(clock).id();
        if (clock.equals(LatencyClock.WALL.id())) wallMedianMs = medianMs;
        if (runsPerSample < 1) runsPerSample = 1; // figures from before samples were batches timed one run each
    }

    /** The same statistics, saying each sample was the mean of {@code k} consecutive runs. */
    public LatencyStats withRunsPerSample(int k) {
        return new LatencyStats(medianMs, p90Ms, meanMs, stdMs, minMs, runs, warmupRuns, threads, provider, shape, ciLowMs, ciHighMs, ciHalfWidthPct,
                warmupSettled, converged, timedSeconds, interOpThreads, optimizationLevel, machine, cpuMedianMs, clock, wallMedianMs, k);
    }

    /** The clock the median and the other figures are read on. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public LatencyClock latencyClock() { return LatencyClock.parse(clock); }

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
        return of(LatencyClock.WALL, samplesMs, cpuSamplesMs, warmupRuns, settled, converged, timedSeconds, settings);
    }

    /**
     * Statistics on {@code clock}: of the wall-clock samples, or of the CPU-time samples (which must then be
     * there); both medians are kept either way.
     */
    public static LatencyStats of(LatencyClock clock, double[] wallSamplesMs, double[] cpuSamplesMs, int warmupRuns, boolean settled, boolean converged,
                                  double timedSeconds, Settings settings) {
        double cpuMedian = median(cpuSamplesMs);
        if (clock == LatencyClock.CPU && Double.isNaN(cpuMedian))
            throw new IllegalStateException("no CPU time per run was recorded, so there are no CPU-time statistics");
        double wallMedian = median(wallSamplesMs);
        double[] samplesMs = clock == LatencyClock.CPU ? cpuSamplesMs : wallSamplesMs;
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
                timedSeconds, settings.interOpThreads(), settings.optimizationLevel(), settings.machine(), cpuMedian, clock.id(), wallMedian, 1);
    }

    private static double median(double[] samples) {
        if (samples == null || samples.length == 0) return Double.NaN;
        double[] c = samples.clone();
        Arrays.sort(c);
        return percentile(c, c.length, 50);
    }

    /** Linear interpolation between closest ranks, as numpy's default does. */
    static double percentile(double[] sorted, double p) {
        return percentile(sorted, sorted.length, p);
    }

    /** The same over the first {@code n} entries of {@code sorted}. */
    public static double percentile(double[] sorted, int n, double p) {
        if (n == 1) return sorted[0];
        double rank = p / 100.0 * (n - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, n - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
