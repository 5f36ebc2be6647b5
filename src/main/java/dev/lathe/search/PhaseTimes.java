package dev.lathe.search;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a run's wall time went: {@code prepare} (loading, analysis, starting the measurer), {@code build}
 * (making candidates), {@code latency} and {@code quality} (inside the measurer), {@code reference} (re-measuring
 * the original), {@code overhead} (the rest: files, the worker round trip, restarts, the study, the strategy).
 */
final class PhaseTimes {
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    /** Adds the time since {@code sinceNanos} to {@code phase}. */
    void since(String phase, long sinceNanos) {
        add(phase, (System.nanoTime() - sinceNanos) / 1e9);
    }

    void add(String phase, double s) {
        if (!Double.isNaN(s)) seconds.merge(phase, s, Double::sum);
    }

    /** The split of {@code wallSeconds}, what no phase accounts for as overhead. */
    Map<String, Double> of(double wallSeconds) {
        double accounted = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> out = new LinkedHashMap<>(seconds);
        out.put("overhead", Math.max(0, wallSeconds - accounted));
        return Map.copyOf(out);
    }
}
