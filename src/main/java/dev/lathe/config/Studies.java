package dev.lathe.config;

import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.StudyStorage;

/** Reads a stored study judged the way it was searched: on its own objective, under its own constraints. */
public final class Studies {
    private Studies() {}

    /** The study in {@code store}; one without a configuration yet is judged on latency without constraints. */
    public static Study read(StudyStorage store) {
        var config = StudyConfig.of(store);
        return Study.load(store, config.map(c -> c.measuring().objective()).orElse(Objective.LATENCY),
                config.map(StudyConfig::constraints).orElse(Constraints.NONE));
    }
}
