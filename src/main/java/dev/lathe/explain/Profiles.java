package dev.lathe.explain;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.profile.ModelProfile;
import dev.lathe.eval.worker.WorkerMeasurer;
import dev.lathe.eval.worker.WorkerProcess;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.ProfileStore;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Per-node profiles measured once: read from the study when one was stored under the same settings, otherwise
 * measured in a measurement worker (as {@code bench} measures) and stored there.
 */
public final class Profiles {
    private Profiles() {}

    /** A profile and where it came from ({@code measuredAt} set when it was read from the study). */
    public record Result(ModelProfile profile, String measuredAt) {
        public boolean fromStudy() { return measuredAt != null; }
    }

    /** What a stored profile is keyed by besides its subject: everything that changes per-node times. */
    public static String settingsKey(MeasurementSetup s) {
        return String.format(Locale.ROOT, "threads=%d provider=%s optimization=%s batch=%d seq=%d shapes=%s", s.threads(), s.provider(),
                s.optimizationLevel(), s.batch(), s.sequenceLength(), new TreeMap<>(s.shapes()));
    }

    /**
     * The profile of {@code model} (null: the setup's original). With a {@code study} file, {@code subject}
     * ({@link ProfileStore#ORIGINAL} or {@link ProfileStore#candidate}) is looked up first and stored after measuring.
     */
    public static Result profile(MeasurementSetup setup, OnnxModel model, Path study, String subject, boolean remeasure, Consumer<String> log)
            throws CandidateFailedException {
        String key = settingsKey(setup);
        if (study != null && !remeasure) {
            try (ProfileStore store = ProfileStore.open(study)) {
                Optional<ProfileStore.Stored> s = store.find(subject, key);
                if (s.isPresent()) return new Result(ModelProfile.fromJson(s.get().json()), s.get().measuredAt());
            }
        }
        ModelProfile p;
        try (WorkerMeasurer worker = new WorkerMeasurer(setup, WorkerProcess.Options.defaults(), log)) {
            worker.start();
            p = worker.profile(model);
        }
        if (study != null)
            try (ProfileStore store = ProfileStore.open(study)) {
                store.put(subject, key, p.totalMs(), p.toJson());
            }
        return new Result(p, null);
    }

    /** The most recent profile stored for {@code subject} in {@code study}, whatever its settings. */
    public static Optional<ModelProfile> stored(Path study, String subject) {
        if (study == null) return Optional.empty();
        try (ProfileStore store = ProfileStore.open(study)) {
            return store.latest(subject).map(s -> ModelProfile.fromJson(s.json()));
        }
    }
}
