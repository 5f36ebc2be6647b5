package dev.lathe.ui.study;

import dev.lathe.study.CandidateRecord;
import dev.lathe.ui.common.Formats;

import java.util.List;
import java.util.function.Function;

/**
 * A figure of a candidate the Pareto scatter can put on an axis: how to read it (null where the candidate lacks
 * it), whether more is better, and how its ticks read. Plotted values are the figures themselves (bytes, counts,
 * milliseconds), so what the chart shows is what the study holds.
 */
public enum ChartAxis {
    // Drift-corrected where the study has references, so points sit where the front was decided.
    LATENCY("Latency", "Latency, median ms", false, CandidateRow::comparableLatencyMs),
    SPEEDUP("Speed-up", "Speed-up over the original", true, CandidateRow::speedup),
    SIZE("Model size", "Model size", false, r -> asDouble(r.record().sizeBytes())),
    PEAK_MEMORY("Peak memory", "Resident memory the candidate needs to load and run", false, r -> asDouble(r.record().peakMemoryBytes())),
    PARAMETERS("Parameters", "Parameters", false, r -> asDouble(r.record().parameters())),
    QUALITY("Quality", "Quality", true, r -> r.record().quality()),
    FIDELITY("Fidelity", "Fidelity to the original", true, r -> r.record().fidelity()),
    ACCURACY("Accuracy", "Accuracy on the labels", true, r -> r.record().accuracy());

    /** What the x axis offers: the costs a candidate records. */
    public static final List<ChartAxis> X_CHOICES = List.of(LATENCY, SPEEDUP, SIZE, PEAK_MEMORY, PARAMETERS);
    /** What the y axis offers: the quality figures, all higher-is-better. */
    public static final List<ChartAxis> Y_CHOICES = List.of(QUALITY, FIDELITY, ACCURACY);

    private final String choice;
    private final String label;
    private final boolean higherIsBetter;
    private final Function<CandidateRow, Double> value;

    ChartAxis(String choice, String label, boolean higherIsBetter, Function<CandidateRow, Double> value) {
        this.choice = choice;
        this.label = label;
        this.higherIsBetter = higherIsBetter;
        this.value = value;
    }

    /** The candidate's figure, or null when it has none (not measured, no labels, no peak memory on this system). */
    Double of(CandidateRow row) {
        CandidateRecord c = row.record();
        if (!c.isDone()) return null;
        Double v = value.apply(row);
        return v == null || v.isNaN() || v.isInfinite() ? null : v;
    }

    boolean higherIsBetter() { return higherIsBetter; }

    /** The axis title, with its direction. */
    String label() {
        return label + (higherIsBetter ? " (higher is better)" : " (lower is better)");
    }

    /** A tick or tooltip value in the figure's own unit. */
    String format(double v) {
        return switch (this) {
            case LATENCY -> Formats.number(v); // the axis title says ms
            case SPEEDUP -> Formats.speedup(v);
            case SIZE, PEAK_MEMORY -> Formats.bytes(Math.round(v));
            case PARAMETERS -> Formats.compact(Math.round(v));
            default -> Formats.number(v);
        };
    }

    @Override
    public String toString() { return choice; }

    private static Double asDouble(Long v) {
        return v == null ? null : v.doubleValue();
    }
}
