package dev.lathe.eval.timing;

import java.util.Arrays;

/**
 * How long to warm up and how long to time, decided from the samples themselves. Warm-up goes on until the
 * median of the last {@code settleWindow} runs is within {@code settleTolerance} of the window before it
 * (caches, allocator arenas and CPU clocks have settled), bounded by a run count and a time cap. Timed runs
 * go on until the 95% confidence interval of the median ({@link MedianConfidence}) is within {@code tolerance}
 * of it, after at least {@code minRuns} runs and {@code minSeconds}, or until {@code maxRuns} / {@code maxSeconds}.
 * The rules are pure functions of the samples and the elapsed time, so they are tested on synthetic samples.
 */
public record TimingProtocol(int minWarmupRuns, int maxWarmupRuns, double maxWarmupSeconds, int settleWindow, double settleTolerance,
                             int minRuns, int maxRuns, double minSeconds, double maxSeconds, double tolerance) {
    public static final double CONFIDENCE = 0.95;
    /** 2% at 95% confidence; at most 10 s of timing and 5 s of warm-up per model. */
    public static final TimingProtocol DEFAULT = new TimingProtocol(5, 200, 5.0, 5, 0.03, 20, 5000, 0.25, 10.0, 0.02);
    /** Smoke runs and tests: 5% and at most 2 s. */
    public static final TimingProtocol QUICK = new TimingProtocol(3, 30, 1.0, 3, 0.05, 10, 2000, 0.05, 2.0, 0.05);

    /** The fewest runs the protocol allows: exercises the measuring code without timing anything worth keeping. */
    public static final TimingProtocol WARM_UP = new TimingProtocol(1, 1, 0.0, 1, 0.05, 2, 2, 0.0, 0.0, 0.5);

    public TimingProtocol {
        if (minWarmupRuns < 1 || maxWarmupRuns < minWarmupRuns) throw new IllegalArgumentException("warm-up runs must be 1 <= min <= max");
        if (settleWindow < 1) throw new IllegalArgumentException("settle window must be at least 1 run");
        if (minRuns < 2 || maxRuns < minRuns) throw new IllegalArgumentException("timed runs must be 2 <= min <= max");
        if (!(tolerance > 0 && tolerance < 1)) throw new IllegalArgumentException("tolerance must be between 0 and 100%, got " + tolerance * 100 + "%");
    }

    public TimingProtocol withTolerance(double t) {
        return new TimingProtocol(minWarmupRuns, maxWarmupRuns, maxWarmupSeconds, settleWindow, settleTolerance, minRuns, maxRuns, minSeconds, maxSeconds, t);
    }

    /** Whether the last two windows of warm-up timings agree (the timings have settled). */
    public boolean settled(double[] warmup, int n) {
        if (n < Math.max(minWarmupRuns, 2 * settleWindow)) return false;
        double last = median(warmup, n - settleWindow, n), before = median(warmup, n - 2 * settleWindow, n - settleWindow);
        return Math.abs(last - before) <= settleTolerance * before;
    }

    /** Warm-up stops once settled, or at its run or time cap. */
    public boolean warmupDone(double[] warmup, int n, double elapsedSeconds) {
        return n >= maxWarmupRuns || (n >= minWarmupRuns && elapsedSeconds >= maxWarmupSeconds) || settled(warmup, n);
    }

    /** Whether the median of the first {@code n} samples is known to within the tolerance. */
    public boolean converged(double[] samples, int n) {
        if (n < minRuns) return false;
        double[] sorted = Arrays.copyOf(samples, n);
        Arrays.sort(sorted);
        return MedianConfidence.relativeHalfWidth(sorted, n, CONFIDENCE) <= tolerance;
    }

    /** Timing stops at its run or time cap, or once converged (checked only after the minimum time). */
    public boolean timingDone(double[] samples, int n, double elapsedSeconds) {
        if (n >= maxRuns || elapsedSeconds >= maxSeconds) return true;
        return elapsedSeconds >= minSeconds && converged(samples, n);
    }

    private static double median(double[] v, int from, int to) {
        double[] w = Arrays.copyOfRange(v, from, to);
        Arrays.sort(w);
        return LatencyStats.percentile(w, w.length, 50);
    }
}
