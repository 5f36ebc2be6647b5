package dev.lathe.study;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Bounds a candidate must meet to count: latency at most {@code maxLatencyMs} (on the study's clock, drift-corrected
 * where the study has references, as the search compares it), the candidate's own peak memory at most
 * {@code maxMemoryMib} (MiB, 2^20 bytes), the model file at most {@code maxSizeMb} (MB, 10^6 bytes, as the window
 * shows sizes) and quality at least {@code minQuality}. Each is null when not asked for. Infeasible candidates
 * stay in the study; the Pareto front ({@link Study#front()}) is made of feasible ones, and the search prefers them (Deb's rule, see
 * the search's Nsga2Strategy).
 */
public record Constraints(Double maxLatencyMs, Double maxMemoryMib, Double maxSizeMb, Double minQuality) {
    public static final Constraints NONE = new Constraints(null, null, null, null);

    /** A constraint a candidate breaks ({@code name}: latency, memory, size or quality) and by how much, readably. */
    public record Violation(String name, String text) {}

    public Constraints {
        positive(maxLatencyMs, "latency bound (ms)");
        positive(maxMemoryMib, "peak memory bound (MiB)");
        positive(maxSizeMb, "size bound (MB)");
        if (minQuality != null && !Double.isFinite(minQuality))
            throw new IllegalArgumentException("quality bound must be a number, got " + minQuality);
    }

    private static void positive(Double v, String what) {
        if (v != null && !(v > 0 && Double.isFinite(v))) throw new IllegalArgumentException(what + " must be above 0, got " + v);
    }

    @JsonIgnore
    public boolean isEmpty() { return equals(NONE); }

    /** How many constraints are set: the length of {@link #values}. */
    @JsonIgnore
    public int count() {
        int n = 0;
        for (Double d : new Double[] {maxLatencyMs, maxMemoryMib, maxSizeMb, minQuality}) if (d != null) n++;
        return n;
    }

    /** Whether a memory bound needs each candidate's peak-memory figure. */
    @JsonIgnore
    public boolean needsPeakMemory() { return maxMemoryMib != null; }

    /**
     * The constraints a done candidate breaks, in the order latency, memory, size, quality; empty for other
     * candidates. {@code latency} is the figure the study compares it by ({@link Study#comparableLatencyMs}).
     */
    List<Violation> violations(CandidateRecord c, Double latency) {
        List<Violation> out = new ArrayList<>();
        if (!c.isDone()) return out;
        if (maxLatencyMs != null && (latency == null || latency > maxLatencyMs))
            out.add(new Violation("latency", "latency " + figure(latency, "%.3f") + " ms > " + number(maxLatencyMs) + " ms"));
        Double mib = c.peakMemoryBytes() == null ? null : c.peakMemoryBytes() / 1048576.0;
        if (maxMemoryMib != null && (mib == null || mib > maxMemoryMib))
            out.add(new Violation("memory", "peak memory " + figure(mib, "%.1f") + " MiB > " + number(maxMemoryMib) + " MiB"));
        Double mb = c.sizeBytes() == null ? null : c.sizeBytes() / 1e6;
        if (maxSizeMb != null && (mb == null || mb > maxSizeMb))
            out.add(new Violation("size", "size " + figure(mb, "%.3f") + " MB > " + number(maxSizeMb) + " MB"));
        if (minQuality != null && (c.quality() == null || c.quality() < minQuality))
            out.add(new Violation("quality", "quality " + figure(c.quality(), "%.4f") + " < " + number(minQuality)));
        return out;
    }

    /**
     * jMetal's form ({@code Solution.constraints()}): one value per set constraint, non-negative when met and
     * otherwise minus the relative shortfall, so that latency, memory, size and quality add up on one scale
     * (the total is jMetal's overall constraint violation). A figure never measured counts as a violation of 1.
     */
    double[] values(CandidateRecord c, Double latency) {
        double[] out = new double[count()];
        int i = 0;
        if (maxLatencyMs != null) out[i++] = upper(latency, maxLatencyMs);
        if (maxMemoryMib != null) out[i++] = upper(c.peakMemoryBytes() == null ? null : c.peakMemoryBytes() / 1048576.0, maxMemoryMib);
        if (maxSizeMb != null) out[i++] = upper(c.sizeBytes() == null ? null : c.sizeBytes() / 1e6, maxSizeMb);
        if (minQuality != null) out[i] = c.quality() == null ? -1 : (c.quality() - minQuality) / Math.max(Math.abs(minQuality), 1e-9);
        return out;
    }

    /** Every constraint broken as badly as can be: a failed candidate ranks below any measured one. */
    public double[] failed() {
        double[] out = new double[count()];
        java.util.Arrays.fill(out, -1e9);
        return out;
    }

    private static double upper(Double actual, double limit) {
        return actual == null ? -1 : (limit - actual) / limit;
    }

    /** "latency ≤ 8 ms, quality ≥ 0.98", or "none". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (maxLatencyMs != null) parts.add("latency ≤ " + number(maxLatencyMs) + " ms");
        if (maxMemoryMib != null) parts.add("peak memory ≤ " + number(maxMemoryMib) + " MiB");
        if (maxSizeMb != null) parts.add("size ≤ " + number(maxSizeMb) + " MB");
        if (minQuality != null) parts.add("quality ≥ " + number(minQuality));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String figure(Double v, String format) {
        return v == null ? "unmeasured" : String.format(Locale.ROOT, format, v);
    }

    public static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
