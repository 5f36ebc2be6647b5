package dev.lathe.study;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Takes the machine's drift out of a study's latencies. The original model is re-measured at intervals; a
 * candidate's speed-up is the reference measured nearest in time divided by the candidate's latency, so a
 * machine that got 10% slower for a while slows candidate and reference alike and the ratio stands. The
 * corrected latency puts that ratio back in milliseconds: speed-up divided into the anchor, the median of all
 * references, so candidates measured at different times compare directly.
 */
public final class DriftCorrection {
    private final long[] times;
    private final double[] latencies;
    private final double anchor;

    public DriftCorrection(List<ReferenceRun> references) {
        List<ReferenceRun> sorted = new ArrayList<>(references);
        sorted.sort(Comparator.comparing(r -> Instant.parse(r.measuredAt())));
        times = sorted.stream().mapToLong(r -> Instant.parse(r.measuredAt()).toEpochMilli()).toArray();
        latencies = sorted.stream().mapToDouble(ReferenceRun::latencyMs).toArray();
        anchor = median(latencies);
    }

    public boolean isEmpty() { return times.length == 0; }

    /** The median of all reference latencies (NaN without any). */
    public double anchorMs() { return anchor; }

    /** The reference latency measured nearest to {@code when} (the earlier one on a tie), or null without references. */
    public Double referenceAt(Instant when) {
        if (times.length == 0 || when == null) return null;
        long t = when.toEpochMilli();
        int i = Arrays.binarySearch(times, t);
        if (i >= 0) return latencies[i];
        int after = -i - 1;
        if (after == 0) return latencies[0];
        if (after == times.length) return latencies[times.length - 1];
        return t - times[after - 1] <= times[after] - t ? latencies[after - 1] : latencies[after];
    }

    /** {@code latency} with drift taken out: latency × anchor / reference. */
    public double corrected(double latencyMs, double referenceMs) {
        return latencyMs * anchor / referenceMs;
    }

    /** How much the reference moved: (max - min) / median of the reference latencies, NaN with fewer than one. */
    public double spread() {
        if (latencies.length == 0) return Double.NaN;
        return (Arrays.stream(latencies).max().orElseThrow() - Arrays.stream(latencies).min().orElseThrow()) / anchor;
    }

    static double median(double[] v) {
        if (v.length == 0) return Double.NaN;
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
