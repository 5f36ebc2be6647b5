package dev.lathe.ui.search;

import dev.lathe.study.Constraints;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The constraints part of the search form: four optional bounds (null: no constraint), the same
 * {@link Constraints} the command line's {@code --max-latency-ms}, {@code --max-memory-mib}, {@code --max-size-mb}
 * and {@code --min-quality} build.
 */
public final class ConstraintsSetupViewModel {
    private final ObjectProperty<Double> maxLatencyMs = new SimpleObjectProperty<>();
    private final ObjectProperty<Double> maxMemoryMib = new SimpleObjectProperty<>();
    private final ObjectProperty<Double> maxSizeMb = new SimpleObjectProperty<>();
    private final ObjectProperty<Double> minQuality = new SimpleObjectProperty<>();

    public ObjectProperty<Double> maxLatencyMsProperty() { return maxLatencyMs; }

    public ObjectProperty<Double> maxMemoryMibProperty() { return maxMemoryMib; }

    public ObjectProperty<Double> maxSizeMbProperty() { return maxSizeMb; }

    public ObjectProperty<Double> minQualityProperty() { return minQuality; }

    /** The bounds as settings; throws IllegalArgumentException naming a bound that is out of range. */
    public Constraints constraints() {
        return new Constraints(maxLatencyMs.get(), maxMemoryMib.get(), maxSizeMb.get(), minQuality.get());
    }

    /** Takes over a study's constraints. */
    void apply(Constraints c) {
        maxLatencyMs.set(c.maxLatencyMs());
        maxMemoryMib.set(c.maxMemoryMib());
        maxSizeMb.set(c.maxSizeMb());
        minQuality.set(c.minQuality());
    }
}
