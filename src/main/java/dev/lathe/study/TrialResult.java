package dev.lathe.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.eval.Measurement;

/**
 * What measuring a candidate (or the original, as a reference) found, as a study stores it: the latency median
 * and 90th percentile with the full statistics as JSON, the raw samples, the quality figures (null for a
 * reference, which is timed only), size, parameters, the candidate's own peak memory and the seconds the whole took.
 */
public record TrialResult(double latencyMs, double latencyP90Ms, String latencyJson, double[] latencySamplesMs, double[] cpuSamplesMs,
                          Double quality, String qualityMetric, Double fidelity, Double accuracy, String qualityJson,
                          Long sizeBytes, Long parameters, Long peakMemoryBytes, Double evalSeconds) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A result with the headline figures only (hand-made studies, tests). */
    public static TrialResult of(double latencyMs, double latencyP90Ms, double quality, String qualityMetric, double fidelity, Double accuracy,
                                 long sizeBytes, long parameters, Long peakMemoryBytes, double evalSeconds) {
        return new TrialResult(latencyMs, latencyP90Ms, null, null, null, quality, qualityMetric, fidelity, accuracy, null, sizeBytes, parameters,
                peakMemoryBytes, evalSeconds);
    }

    /** What {@code m} measured, taking {@code evalSeconds} from building to recording. */
    public static TrialResult of(Measurement m, double evalSeconds) {
        var q = m.quality();
        return new TrialResult(m.latency().medianMs(), m.latency().p90Ms(), json(m.latency()), m.latencySamplesMs(), m.cpuSamplesMs(),
                q == null ? null : q.quality(), q == null ? null : q.qualityMetric(), q == null ? null : q.fidelity(), q == null ? null : q.accuracy(),
                q == null ? null : json(q), m.sizeBytes(), m.parameters(), m.peakMemoryBytes(), evalSeconds);
    }

    /** A re-measurement of the original: its latency only. */
    public static TrialResult reference(Measurement m) {
        return new TrialResult(m.latency().medianMs(), m.latency().p90Ms(), json(m.latency()), m.latencySamplesMs(), m.cpuSamplesMs(),
                null, null, null, null, null, null, null, m.peakMemoryBytes(), null);
    }

    /** {@code samples} as the JSON array a study file keeps, or null (for the storages). */
    public static String samplesJson(double[] samples) {
        return samples == null ? null : json(samples);
    }

    public static double[] samples(String json) {
        if (json == null) return null;
        try {
            return JSON.readValue(json, double[].class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("unreadable samples: " + e.getOriginalMessage(), e);
        }
    }

    public static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
