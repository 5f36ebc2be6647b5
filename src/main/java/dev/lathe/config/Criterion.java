package dev.lathe.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How pruned units are ranked (see {@code PruningOptions}); all but magnitude need calibration data. */
public enum Criterion implements Spelled {
    OBS("obs"), ACTIVATION("activation"), SENSITIVITY("sensitivity"), MAGNITUDE("magnitude");

    private final String id;

    Criterion(String id) { this.id = id; }

    @JsonValue
    @Override
    public String id() { return id; }

    @JsonCreator
    public static Criterion parse(String id) { return Spelled.parse(Criterion.class, "criterion", id); }
}
