package dev.lathe.search;

import dev.lathe.LatheVersion;
import dev.lathe.config.StudyConfig;
import dev.lathe.study.Constraints;
import dev.lathe.study.StudyException;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.StudyStorage;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A study bound to the configuration it is searched with: immutable once made. A new study takes the configuration
 * asked for. An existing one keeps its own (only the budget may grow) so old and new candidates stay comparable;
 * constraints are the exception: they change no figure, only which candidates count, so constraints given anew
 * replace the study's and none given keeps the study's. This run's isolation, timeout and worker heap are its own.
 * Resuming on another clock is refused rather than silently adopting the study's. The window asks the same binding
 * what a search will run with, so the rule is written once.
 */
public record StudyBinding(StudyConfig config, boolean resumed, List<String> notes) {
    public StudyBinding {
        notes = List.copyOf(notes);
    }

    /** What {@code asked} becomes on {@code storage}; reads only. */
    public static StudyBinding of(StudyStorage storage, StudyConfig asked) {
        Optional<StudyConfig> stored = StudyConfig.of(storage);
        if (stored.isEmpty()) return new StudyBinding(asked, false, List.of());
        StudyConfig old = stored.get();
        if (old.measuring().clock() != asked.measuring().clock()) {
            var was = old.measuring().clock();
            throw new StudyException(storage.file(), "its latencies are " + was.label() + " (--clock " + was.id() + "); resuming it on "
                    + asked.measuring().clock().label() + " would mix figures that do not compare. Resume with --clock " + was.id()
                    + ", or start a new study", null);
        }
        List<String> notes = new ArrayList<>();
        StudyConfig kept = old.withBudget(asked.search().budget()).with(asked.measuring().keepingStudy(old.measuring()));
        Constraints given = asked.constraints();
        if (!given.isEmpty() && !given.equals(old.constraints())) {
            notes.add("Constraints changed from " + old.constraints().describe() + " to " + given.describe()
                    + "; the front is recomputed from the figures already measured");
            kept = kept.with(given);
        } else if (!old.constraints().isEmpty() && given.isEmpty()) {
            notes.add("Keeping the study's constraints: " + old.constraints().describe());
        }
        if (!kept.with(given).equals(asked.with(given)))
            notes.add("Resuming with the study's own settings (" + old.toJson() + "); only the budget"
                    + (kept.constraints().equals(old.constraints()) ? " changes" : " and the constraints change"));
        return new StudyBinding(kept, true, notes);
    }

    /**
     * Checks the study belongs to {@code model} (by its SHA-256), then records the binding: the model of a new
     * study, and the bound configuration. The notes go to {@code log}.
     */
    public void record(StudyStorage storage, Path model, String modelSha256, Consumer<String> log) {
        var origin = storage.origin();
        if (origin.isPresent() && !origin.get().modelSha256().equals(modelSha256))
            throw new StudyException(storage.file(), "belongs to a different model (" + Objects.requireNonNullElse(origin.get().modelPath(), "?")
                    + "); " + model.getFileName() + " has changed or is another file", null);
        notes.forEach(log);
        if (origin.isEmpty())
            storage.recordOrigin(new StudyOrigin(model.toAbsolutePath().toString(), modelSha256, LatheVersion.get(), Instant.now().toString()));
        config.saveTo(storage);
    }
}
