package dev.lathe.eval;

/** Everything measured about one model: latency, quality, size on disk and parameter count. */
public record Measurement(LatencyStats latency, QualityReport quality, long sizeBytes, long parameters, double seconds) {}
