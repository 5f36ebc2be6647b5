package dev.lathe.search;

import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.StudyStorage;

/** Reads a stored study judged the way it was searched: on its own objective, under its own constraints. */
public final class Studies {
    private Studies() {}

    /** The study in {@code store}; one without settings yet is judged on latency without constraints. */
    public static Study read(StudyStorage store) {
        var stored = StoredSettings.of(store);
        Constraints constraints = stored.map(s -> s.settings().constraints()).orElse(Constraints.NONE);
        Objective objective = stored.map(StoredSettings::measuring).map(MeasuringOptions::objective).orElse(Objective.LATENCY);
        return Study.load(store, objective, constraints);
    }
}
