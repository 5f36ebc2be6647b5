package dev.lathe.eval.timing;

/**
 * One latency measurement: its statistics and the raw timed samples, in milliseconds and in the order taken:
 * wall clock, and the CPU time of the same runs (null where it cannot be read).
 */
public record LatencyRun(LatencyStats stats, double[] samplesMs, double[] cpuSamplesMs) {
    public LatencyRun(LatencyStats stats, double[] samplesMs) {
        this(stats, samplesMs, null);
    }
}
