package dev.lathe.study;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a study trades against quality: latency (drift-corrected where the study has references) or the
 * peak resident memory a candidate needs to load and run (above the measuring process before it). The id is what {@code --objective} and the study file spell.
 */
public enum Objective {
    LATENCY("latency", "latency"),
    MEMORY("memory", "peak memory");

    private final String id;
    private final String label;

    Objective(String id, String label) {
        this.id = id;
        this.label = label;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() { return id; }

    /** "latency" or "peak memory", as a sentence says it. */
    public String label() { return label; }

    /** The objective an id names (any case); an unknown id is an error naming the allowed ones, never a default. */
    @com.fasterxml.jackson.annotation.JsonCreator
    public static Objective parse(String id) {
        if (id != null)
            for (Objective o : values()) if (o.id.equals(id.toLowerCase(Locale.ROOT))) return o;
        throw new IllegalArgumentException("unknown objective '" + id + "' (" + Arrays.stream(values()).map(Objective::id).collect(Collectors.joining(" or ")) + ")");
    }
}
