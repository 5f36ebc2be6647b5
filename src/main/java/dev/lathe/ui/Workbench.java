package dev.lathe.ui;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.SampleModels;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Notice;
import dev.lathe.ui.model.ModelViewModel;
import dev.lathe.ui.model.SensitivityViewModel;
import dev.lathe.ui.search.SearchViewModel;
import dev.lathe.ui.study.StudyViewModel;
import javafx.animation.PauseTransition;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.util.Duration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The application's view model: the model, search and study view models and what ties them together (opening
 * a model resets the search form, opening a study loads its model and settings, changing the input shape
 * recounts the MACs). Views call these actions; none of them blocks the FX thread.
 */
public final class Workbench {
    private final Background background = new Background();
    private final ModelViewModel model = new ModelViewModel(background);
    private final SearchViewModel search = new SearchViewModel(background);
    private final StudyViewModel study = new StudyViewModel(background);
    private final SensitivityViewModel sensitivity = new SensitivityViewModel(background);
    private final dev.lathe.ui.model.LayerTimesViewModel layerTimes = new dev.lathe.ui.model.LayerTimesViewModel(background, model, study);
    private final StringBinding title;
    private final PauseTransition reinspect = new PauseTransition(Duration.millis(450));

    public Workbench() {
        model.summaryProperty().addListener((o, a, s) -> study.groupsProperty().set(s == null ? List.of() : s.groups()));
        model.pathProperty().addListener((o, a, p) -> sensitivity.clear());
        model.summaryProperty().addListener((o, a, s) -> study.quantizableLayersProperty().set(s == null ? List.of()
                : s.quantizable().stream().map(dev.lathe.analysis.QuantizableLayer::id).toList()));
        // The layers the precision pins refer to; pins themselves go with a newly opened model, not a study's.
        model.pathProperty().addListener((o, a, p) -> search.precisions().layers().clear());
        // The groups and blocks the keep ranges refer to, as for the precision pins.
        model.pathProperty().addListener((o, a, p) -> {
            search.space().groups().clear();
            search.space().blocks().clear();
        });
        model.summaryProperty().addListener((o, a, s) -> {
            if (s != null && !s.groups().equals(search.space().groups())) search.space().groups().setAll(s.groups());
            if (s != null && !s.blocks().equals(search.space().blocks())) search.space().blocks().setAll(s.blocks());
        });
        model.summaryProperty().addListener((o, a, s) -> {
            if (s != null && !s.quantizable().equals(search.precisions().layers())) search.precisions().layers().setAll(s.quantizable());
        });
        reinspect.setOnFinished(e -> model.reinspect(search.shapes()));
        search.batchProperty().addListener(o -> reinspect.playFromStart());
        search.sequenceLengthProperty().addListener(o -> reinspect.playFromStart());
        title = Bindings.createStringBinding(() -> {
            String t = "Lathe";
            if (!model.name().isEmpty()) t += " — " + model.name();
            if (study.file() != null) t += " — " + study.file().getFileName();
            return t;
        }, model.nameProperty(), study.fileProperty());
    }

    public Background background() { return background; }

    public ModelViewModel model() { return model; }

    public SearchViewModel search() { return search; }

    public StudyViewModel study() { return study; }

    public SensitivityViewModel sensitivity() { return sensitivity; }

    /** Measured ms per layer of the open model (the model view's layer table). */
    public dev.lathe.ui.model.LayerTimesViewModel layerTimes() { return layerTimes; }

    /** Measures the open model's per-layer sensitivity on the data the search form names. */
    public void measureSensitivity(int samples) {
        sensitivity.measure(model.path(), search.dataPathProperty().get(), search.tokenizerPathProperty().get(), search.shapes(), samples);
    }

    public StringBinding titleProperty() { return title; }

    /** Opens a bundled sample with its data and tokenizer. */
    public void openSample(SampleModels.Sample s) {
        openModel(s.model(), s.name(), s.data(), s.tokenizer(), true);
    }

    /**
     * Opens a model file (a study file is opened as a study). Data beside the model ({@code test.csv},
     * {@code sentences.txt}) and a {@code *tokenizer.json} there are prefilled, as the search would find them.
     */
    public void open(Path file) {
        if (isStudyFile(file)) {
            openStudy(file);
            return;
        }
        Optional<SampleModels.Sample> sample = SampleModels.available().stream().filter(s -> same(s.model(), file)).findFirst();
        if (sample.isPresent()) {
            openSample(sample.get());
            return;
        }
        openModel(file, ModelViewModel.displayName(file), EvaluationData.defaultDataBeside(file).orElse(null),
                EvaluationData.tokenizerBeside(file).orElse(null), false);
    }

    /** Lathe's own study extension, {@code .lathe}, or the plain SQLite ones studies had before it. */
    public static boolean isStudyFile(Path file) {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return lower.endsWith(".lathe") || lower.endsWith(".sqlite") || lower.endsWith(".db");
    }

    private void openModel(Path file, String name, Path data, Path tokenizer, boolean sample) {
        if (search.isRunning()) {
            background.notify(Notice.warning("Stop the running search before opening another model."));
            return;
        }
        model.load(file, name, search.shapes(), summary -> {
            search.prefill(name, data, tokenizer, sample);
            search.precisions().pins().clear();
            search.space().clear();
            study.show(null);
        });
    }

    /** Opens a study file: shows its candidates, takes over its settings and loads the model it was made with. */
    public void openStudy(Path file) {
        if (search.isRunning()) {
            background.notify(Notice.warning("Stop the running search before opening another study."));
            return;
        }
        study.open(file, opened -> {
            search.studyPathProperty().set(file.toAbsolutePath().toString());
            if (opened.settings() != null) search.apply(opened.settings());
            long measured = opened.candidates().stream().filter(c -> c.status() != dev.lathe.study.CandidateStatus.PENDING
                    && c.status() != dev.lathe.study.CandidateStatus.RUNNING).count();
            search.showStudy((int) measured, opened.settings() == null ? (int) measured : opened.settings().search().budget());
            Path mp = opened.modelPath();
            String counts = opened.candidates().size() + " candidates, " + opened.front().size() + " on the Pareto front";
            if (mp == null) {
                background.notify(Notice.warning("Opened study " + file.getFileName() + " (" + counts + "); it records no model file."));
            } else if (!Files.isRegularFile(mp)) {
                study.groupsProperty().set(List.of());
                study.quantizableLayersProperty().set(List.of());
                background.notify(Notice.warning("Opened study " + file.getFileName() + " (" + counts + "), but its model " + mp
                        + " is missing: candidates can be viewed, not exported or resumed."));
            } else {
                if (!same(mp, model.path())) model.load(mp, ModelViewModel.displayName(mp), search.shapes(), null);
                background.notify(Notice.success("Opened study " + file.getFileName() + ": " + counts + "."));
            }
        });
    }

    /** Starts (or resumes) a search of the loaded model into the study file of the form. */
    public boolean startSearch() {
        return search.start(model.path(), study);
    }

    public void stopSearch() {
        search.stop();
    }

    /** On quitting: stop the search after its candidate (what was measured is in the study) and the workers. */
    public void shutdown() {
        search.stop();
        background.shutdown();
    }

    private static boolean same(Path a, Path b) {
        if (a == null || b == null) return false;
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
