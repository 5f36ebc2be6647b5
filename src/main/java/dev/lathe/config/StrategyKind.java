package dev.lathe.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a search proposes candidates: NSGA-II, or uniform random sampling as the baseline to beat. */
public enum StrategyKind implements Spelled {
    NSGA2("nsga2"), RANDOM("random");

    private final String id;

    StrategyKind(String id) { this.id = id; }

    @JsonValue
    @Override
    public String id() { return id; }

    @JsonCreator
    public static StrategyKind parse(String id) { return Spelled.parse(StrategyKind.class, "strategy", id); }
}
