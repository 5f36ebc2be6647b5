package dev.lathe.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What follows pruning: a least-squares refit of the reading layer on calibration data, or nothing. */
public enum Repair implements Spelled {
    LSTSQ("lstsq"), NONE("none");

    private final String id;

    Repair(String id) { this.id = id; }

    @JsonValue
    @Override
    public String id() { return id; }

    @JsonCreator
    public static Repair parse(String id) { return Spelled.parse(Repair.class, "repair", id); }
}
