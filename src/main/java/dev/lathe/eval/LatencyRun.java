package dev.lathe.eval;

/** One latency measurement: its statistics and the raw timed samples, in milliseconds and in the order taken. */
public record LatencyRun(LatencyStats stats, double[] samplesMs) {}
