package dev.lathe.search;

import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.SqliteStudyStorage;

/** Reads a stored study judged the way it was searched: on its own objective, under its own constraints. */
public final class Studies {
    private Studies() {}

    /** The study in {@code store}; one without settings yet is judged on latency without constraints. */
    public static Study read(SqliteStudyStorage store) {
        Constraints constraints = SearchSettings.of(store).map(SearchSettings::constraints).orElse(Constraints.NONE);
        Objective objective = store.meta("measuring").map(MeasuringOptions::fromJson).map(MeasuringOptions::objective).orElse(Objective.LATENCY);
        return Study.load(store, objective, constraints);
    }
}
