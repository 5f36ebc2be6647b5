package dev.lathe.eval;

import dev.lathe.eval.quality.QualityReport;
import dev.lathe.eval.timing.PeakMemory;
import dev.lathe.eval.timing.LatencyStats;
/**
 * Everything measured about one model: latency (with its raw samples), quality (null when not asked for),
 * size on disk, parameter count, the peak resident memory the model itself needed while loaded and run, above
 * what the measuring process held before loading it ({@link PeakMemory.Window}; null where the system cannot say), and the seconds spent timing and scoring. {@code latencySamplesMs}
 * are the wall-clock samples and {@code cpuSamplesMs} the CPU time of the same runs (null where unknown),
 * whichever clock {@code latency} is read on.
 */
public record Measurement(LatencyStats latency, QualityReport quality, long sizeBytes, long parameters, double seconds,
                          double[] latencySamplesMs, Long peakMemoryBytes, double latencySeconds, double qualitySeconds, double[] cpuSamplesMs) {

    public Measurement(LatencyStats latency, QualityReport quality, long sizeBytes, long parameters, double seconds) {
        this(latency, quality, sizeBytes, parameters, seconds, new double[0], null, Double.NaN, Double.NaN, null);
    }

    /** The same figures for a file the measuring process only saw as bytes: the caller knows its parameters. */
    public Measurement withParameters(long params) {
        return new Measurement(latency, quality, sizeBytes, params, seconds, latencySamplesMs, peakMemoryBytes, latencySeconds, qualitySeconds, cpuSamplesMs);
    }
}
