package dev.lathe.ui.model;

import dev.lathe.eval.profile.ModelProfile;
import dev.lathe.explain.GraphSubject;
import dev.lathe.explain.LayerTimes;
import dev.lathe.explain.Profiles;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.ProfileStore;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.study.StudyViewModel;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;

import java.nio.file.Path;

/**
 * Measured ms per layer of the open model, for the model view's layer table: the original's profile read from
 * the open study when it holds one (in the background, whenever the model or the study changes), or measured on
 * request in a measurement worker (the graph view's Profile does the same and hands its result here). Nothing
 * here runs on the FX thread but the property updates.
 */
public final class LayerTimesViewModel {
    private final Background background;
    private final ModelViewModel model;
    private final StudyViewModel study;
    private final ObjectProperty<ModelProfile> profile = new SimpleObjectProperty<>();
    private final ObjectProperty<LayerTimes> times = new SimpleObjectProperty<>();
    private final BooleanProperty measuring = new SimpleBooleanProperty();
    private OnnxModel profiled;
    private long generation;

    public LayerTimesViewModel(Background background, ModelViewModel model, StudyViewModel study) {
        this.background = background;
        this.model = model;
        this.study = study;
        model.summaryProperty().addListener((o, a, s) -> {
            if (model.loadedModel() != profiled) show(null, null);
            times.set(s == null || profile.get() == null ? null : LayerTimes.of(s.layers(), profile.get()));
            readStored();
        });
        study.fileProperty().addListener((o, a, f) -> readStored());
    }

    /** The original's profile the table shows (null: none stored or measured yet). */
    public ReadOnlyObjectProperty<ModelProfile> profileProperty() { return profile; }

    public ReadOnlyObjectProperty<LayerTimes> timesProperty() { return times; }

    public ReadOnlyBooleanProperty measuringProperty() { return measuring; }

    /** A profile of {@code of} measured elsewhere (the graph view's Profile of the original). */
    public void show(OnnxModel of, ModelProfile p) {
        if (of != null && of != model.loadedModel()) return;
        profiled = of;
        profile.set(p);
        times.set(p == null || model.summary() == null ? null : LayerTimes.of(model.summary().layers(), p));
    }

    /** The open study's stored profile of this model's original, if the study is of this model and holds one. */
    private void readStored() {
        OnnxModel m = model.loadedModel();
        Path file = study.file();
        if (m == null || file == null || profile.get() != null && profiled == m) return;
        long gen = ++generation;
        background.submit("Reading the stored profile", () -> Profiles.stored(studyOf(file, m), ProfileStore.ORIGINAL).orElse(null), p -> {
            if (gen == generation && p != null && m == model.loadedModel() && profile.get() == null) show(m, p);
        }, "Could not read the profile stored in " + file.getFileName(), e -> {});
    }

    /** Times each node of the open model in a measurement worker, at the model view's input shape, one thread; kept in the study when it is this model's. */
    public void measure() {
        OnnxModel m = model.loadedModel();
        Path path = model.path();
        if (m == null || path == null || measuring.get()) return;
        InputShapes shapes = model.shapes() == null ? InputShapes.of(1, 128) : model.shapes();
        Path file = study.file();
        long gen = ++generation;
        measuring.set(true);
        background.submit("Profiling " + model.name(), () -> {
            Path keep = file == null ? null : studyOf(file, m);
            return Profiles.profile(GraphSubject.profileSetup(path, shapes, null, null), null, keep, ProfileStore.ORIGINAL, false, null).profile();
        }, p -> {
            measuring.set(false);
            if (gen == generation || m == model.loadedModel()) show(m, p);
        }, "Could not profile " + model.name(), e -> measuring.set(false));
    }

    /** {@code file} if it is a study of {@code m} (the fingerprint it recorded), else null: another model's profile is not this one's. */
    static Path studyOf(Path file, OnnxModel m) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(file)) {
            return s.origin().map(StudyOrigin::modelSha256).filter(m.sha256()::equals).isPresent() ? file : null;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
