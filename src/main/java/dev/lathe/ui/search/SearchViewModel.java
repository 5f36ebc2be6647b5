package dev.lathe.ui.search;

import dev.lathe.eval.ExecutionProviders;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.model.InputShapes;
import dev.lathe.search.SearchRunner;
import dev.lathe.config.Criterion;
import dev.lathe.config.DataConfig;
import dev.lathe.config.MeasuringConfig;
import dev.lathe.config.PrecisionConfig;
import dev.lathe.config.Provider;
import dev.lathe.config.PruningConfig;
import dev.lathe.config.Repair;
import dev.lathe.config.SearchConfig;
import dev.lathe.config.StudyConfig;
import dev.lathe.search.StudyBinding;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.Notice;
import dev.lathe.ui.study.StudyViewModel;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Search setup and the running search: the settings the form edits, the study file, and while a search runs
 * its progress, time left and log. The search runs in a background task; listener callbacks reach the FX
 * thread through {@code Platform.runLater} ({@link SearchRunListener}), candidates go to the
 * {@link StudyViewModel} as they finish.
 * <p>
 * Why it is over 400 lines: a third of it is the one-line accessors of the fifteen properties the form binds
 * to; the parts with logic of their own (precisions, constraints, search space, the run's events) are classes
 * of their own already.
 */
public final class SearchViewModel {
    /** Samples are small: a dozen candidates show the trade-off in well under a minute. */
    public static final int SAMPLE_BUDGET = 12;
    static final int MAX_LOG_LINES = 5000;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    private final Background background;
    private final ObjectProperty<Integer> budget = new SimpleObjectProperty<>(SearchConfig.DEFAULT.budget());
    private final ObjectProperty<Integer> timeLimitMinutes = new SimpleObjectProperty<>(0);
    private final ObjectProperty<Integer> seed = new SimpleObjectProperty<>((int) SearchConfig.DEFAULT.seed());
    private final ObjectProperty<dev.lathe.config.StrategyKind> strategy = new SimpleObjectProperty<>(SearchConfig.DEFAULT.strategy());
    private final ObjectProperty<Integer> threads = new SimpleObjectProperty<>(MeasuringConfig.DEFAULT.threads());
    private final ObjectProperty<Integer> batch = new SimpleObjectProperty<>(DataConfig.DEFAULT.batch());
    private final ObjectProperty<Integer> sequenceLength = new SimpleObjectProperty<>(DataConfig.DEFAULT.sequenceLength());
    private final StringProperty dataPath = new SimpleStringProperty("");
    private final StringProperty distillShare = new SimpleStringProperty("");
    private final StringProperty tokenizerPath = new SimpleStringProperty("");
    private final StringProperty studyPath = new SimpleStringProperty("");
    private final BooleanProperty quickTiming = new SimpleBooleanProperty(false);
    private final javafx.beans.property.StringProperty criterion = new javafx.beans.property.SimpleStringProperty(dev.lathe.transform.pruning.PruningOptions.CALIBRATED.criterion());
    private final javafx.beans.property.StringProperty repair = new javafx.beans.property.SimpleStringProperty("lstsq");
    private final StringProperty provider = new SimpleStringProperty("cpu");
    private final ObjectProperty<LatencyClock> clock = new SimpleObjectProperty<>(LatencyClock.defaultFor("cpu", MeasuringConfig.DEFAULT.threads()));
    private final StringBinding dataWarning;
    private final PrecisionSetupViewModel precisions = new PrecisionSetupViewModel(provider);
    private final ConstraintsSetupViewModel constraints = new ConstraintsSetupViewModel();
    private final SearchSpaceSetupViewModel space = new SearchSpaceSetupViewModel();
    private final dev.lathe.ui.pool.PoolSetupViewModel pool = new dev.lathe.ui.pool.PoolSetupViewModel();

    private final BooleanProperty running = new SimpleBooleanProperty();
    private final BooleanProperty stopping = new SimpleBooleanProperty();
    private final BooleanProperty pauseRequested = new SimpleBooleanProperty();
    private final BooleanProperty paused = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty progressText = new SimpleStringProperty("Not started");
    private final ObjectProperty<SearchRunner.Outcome> lastOutcome = new SimpleObjectProperty<>();
    private final ObservableList<String> log = FXCollections.observableArrayList();

    private volatile SearchRunner runner;
    private volatile SearchRunner.MeasurerFactory measurers = SearchRunner.DEFAULT_MEASURERS;
    private volatile boolean stopRequested;
    private volatile boolean pauseWanted;
    private String lastProgress = "";
    private Task<SearchRunner.Outcome> task;

    public SearchViewModel(Background background) {
        this.background = background;
        // The clock follows the provider and threads as the commands' --clock auto does (CPU time where it is latency); a choice made after stands.
        javafx.beans.InvalidationListener followClock = o -> clock.set(LatencyClock.defaultFor(provider.get(), valueOr(threads, 1)));
        provider.addListener(followClock);
        threads.addListener(followClock);
        dataWarning = Bindings.createStringBinding(() -> {
            String d = dataPath.get() == null ? "" : dataPath.get().trim();
            String t = tokenizerPath.get() == null ? "" : tokenizerPath.get().trim();
            if (d.isEmpty())
                return "No data file: candidates will be scored on random inputs, so quality only shows fidelity to the original on noise.";
            String lower = d.toLowerCase(Locale.ROOT);
            if ((lower.endsWith(".txt") || lower.endsWith(".tsv")) && t.isEmpty())
                return "Text data needs a tokenizer (tokenizer.json); Lathe looks for one beside the model if none is chosen.";
            return "";
        }, dataPath, tokenizerPath);
    }

    // Settings the form edits. Spinners bind to the object properties directly.
    public ObjectProperty<Integer> budgetProperty() { return budget; }

    /** Minutes a run may search (pauses not counted); 0 or empty for no limit. A run option, not stored in the study. */
    public ObjectProperty<Integer> timeLimitMinutesProperty() { return timeLimitMinutes; }

    public ObjectProperty<Integer> seedProperty() { return seed; }

    /** NSGA-II, predictor-assisted NSGA-II or random, as the command line's --strategy. */
    public ObjectProperty<dev.lathe.config.StrategyKind> strategyProperty() { return strategy; }

    public ObjectProperty<Integer> threadsProperty() { return threads; }

    public ObjectProperty<Integer> batchProperty() { return batch; }

    public ObjectProperty<Integer> sequenceLengthProperty() { return sequenceLength; }

    public StringProperty dataPathProperty() { return dataPath; }

    /** The share of each generation to distil, blank for none (the command line's --distill-share; see ui.distill.SearchFormDistillation). */
    public StringProperty distillShareProperty() { return distillShare; }

    public StringProperty tokenizerPathProperty() { return tokenizerPath; }

    public StringProperty studyPathProperty() { return studyPath; }

    /** Fewer timing repetitions: noisier latencies, much faster searches (tests, first looks). */
    public BooleanProperty quickTimingProperty() { return quickTiming; }

    /** How units are ranked: one of {@link dev.lathe.transform.pruning.PruningOptions#CRITERIA} (all but magnitude need data). */
    public javafx.beans.property.StringProperty criterionProperty() { return criterion; }

    /** What follows pruning: "lstsq" (refit the reading layer on calibration data) or "none". */
    public javafx.beans.property.StringProperty repairProperty() { return repair; }

    /** The execution provider candidates are timed on: "cpu" or "cuda". */
    public StringProperty providerProperty() { return provider; }

    /** Which precisions layers may take, pinned layers, int8 static calibration and the sensitivity pass. */
    public PrecisionSetupViewModel precisions() { return precisions; }

    /** Bounds a candidate must meet to be on the front. */
    public ConstraintsSetupViewModel constraints() { return constraints; }

    /** Keep ranges per group and blocks never dropped. */
    public SearchSpaceSetupViewModel space() { return space; }

    /** Where candidates are measured: this machine or a pool of devices. */
    public dev.lathe.ui.pool.PoolSetupViewModel pool() { return pool; }

    /** The running pool search's devices, from any thread; empty on one machine or between searches. */
    public java.util.List<dev.lathe.pool.schedule.DeviceState> poolDevices() {
        SearchRunner r = runner;
        return r == null ? java.util.List.of() : r.poolDevices();
    }

    /**
     * The clock latency is timed on: wall clock, or CPU time per run (steadier on a busy machine; with several
     * threads it is their sum, not latency). A resumed study keeps its own; asking for another is refused.
     */
    public ObjectProperty<LatencyClock> clockProperty() { return clock; }

    /** A warning about the evaluation data, or "" when the data looks usable. */
    public StringBinding dataWarningProperty() { return dataWarning; }

    public ReadOnlyBooleanProperty runningProperty() { return running; }

    public boolean isRunning() { return running.get(); }

    public ReadOnlyBooleanProperty stoppingProperty() { return stopping; }

    /** Pause was pressed and not yet Resume: the search pauses (or has paused) after its candidate. */
    public ReadOnlyBooleanProperty pauseRequestedProperty() { return pauseRequested; }

    /** The pause has taken effect: nothing is being measured. */
    public ReadOnlyBooleanProperty pausedProperty() { return paused; }

    /** 0..1, or -1 (indeterminate) while the search prepares. */
    public ReadOnlyDoubleProperty progressProperty() { return progress; }

    /** "7 / 12 · ~20 s left" while running; a summary when done. */
    public ReadOnlyStringProperty progressTextProperty() { return progressText; }

    public ReadOnlyObjectProperty<SearchRunner.Outcome> lastOutcomeProperty() { return lastOutcome; }

    public ObservableList<String> log() { return log; }

    public InputShapes shapes() {
        return InputShapes.of(valueOr(batch, 1), valueOr(sequenceLength, 128));
    }

    /**
     * The configuration as the form holds it (measuring with the chosen provider in a worker process, the other
     * measuring options at their defaults); throws IllegalArgumentException with a readable message when invalid.
     */
    public StudyConfig settings() {
        SearchConfig d = SearchConfig.DEFAULT;
        MeasuringConfig m = MeasuringConfig.DEFAULT;
        return StudyConfig.defaults()
                .with(new SearchConfig(valueOr(budget, d.budget()), valueOr(seed, (int) d.seed()), d.population(), strategy.get() == null ? d.strategy() : strategy.get()))
                .with(new DataConfig(blankToNull(dataPath.get()), blankToNull(tokenizerPath.get()), valueOr(batch, 1),
                        valueOr(sequenceLength, DataConfig.DEFAULT.sequenceLength()), null, null, null))
                .with(new PruningConfig(Criterion.parse(criterion.get()), Repair.parse(repair.get())))
                .with(PrecisionConfig.of(precisions.choices(), precisions.quantization(), precisions.sensitivitySampleCount()))
                .with(new MeasuringConfig(Provider.parse(provider.get()), clock.get() == null ? LatencyClock.WALL : clock.get(), valueOr(threads, 1),
                        quickTiming.get(), m.tolerancePct(), m.referenceEvery(), m.referenceMinutes(), m.objective(), m.isolated(), m.timeoutSeconds(),
                        m.workerHeap()))
                .with(constraints.constraints()).with(space.keepRanges());
    }

    /** Fills the form for a freshly opened model: its data and tokenizer, a budget to suit, a new study file. */
    public void prefill(String modelName, Path data, Path tokenizer, boolean sample) {
        dataPath.set(data == null ? "" : data.toAbsolutePath().toString());
        tokenizerPath.set(tokenizer == null ? "" : tokenizer.toAbsolutePath().toString());
        budget.set(sample ? SAMPLE_BUDGET : SearchConfig.DEFAULT.budget());
        newStudyPath(modelName);
    }

    /** Points the study file at a new, timestamped file under {@code ~/Lathe/studies}. */
    public void newStudyPath(String modelName) {
        studyPath.set(defaultStudyPath(modelName).toString());
    }

    public static Path defaultStudyPath(String modelName) {
        String safe = (modelName == null || modelName.isBlank() ? "study" : modelName).replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("user.home"), "Lathe", "studies", safe + "-" + LocalDateTime.now().format(STAMP) + ".lathe");
    }

    /** Takes over the settings a study was made with (opening a study lets Start resume it). */
    public void apply(StudyConfig s) {
        budget.set(s.search().budget());
        seed.set((int) Math.min(Integer.MAX_VALUE, Math.max(0, s.search().seed())));
        strategy.set(s.search().strategy());
        threads.set(s.measuring().threads());
        batch.set(s.data().batch());
        sequenceLength.set(s.data().sequenceLength());
        dataPath.set(s.data().dataPath() == null ? "" : s.data().dataPath());
        tokenizerPath.set(s.data().tokenizerPath() == null ? "" : s.data().tokenizerPath());
        quickTiming.set(s.measuring().quickTiming());
        criterion.set(s.pruning().criterion().id());
        repair.set(s.pruning().repair().id());
        precisions.apply(s.precision());
        clock.set(s.measuring().clock());
        constraints.apply(s.constraints());
        space.apply(s.keepRanges());
    }

    /** What the next search measures its candidates with: the worker processes or this process by default; tests count them. */
    public void useMeasurers(SearchRunner.MeasurerFactory factory) {
        this.measurers = java.util.Objects.requireNonNull(factory);
    }

    /**
     * Starts a search of {@code model} into the study file; candidates stream into {@code study}. An existing
     * study file is resumed (its own settings apply, only the budget grows). Returns false, with a notice,
     * when the search cannot start.
     */
    public boolean start(Path model, StudyViewModel study) {
        if (running.get()) return false;
        if (model == null) {
            background.notify(Notice.warning("Open a model before starting a search."));
            return false;
        }
        StudyConfig settings;
        dev.lathe.pool.client.PoolMeasurer.Options devices;
        try {
            settings = settings();
            // The token file is read here, when Start is pressed, and nowhere else.
            devices = pool.options(settings.measuring());
            if (devices == null) ExecutionProviders.require(settings.measuring().provider().id());
        } catch (IllegalArgumentException e) {
            background.notify(Notice.error("Cannot start the search: " + e.getMessage()));
            return false;
        }
        String sp = studyPath.get() == null ? "" : studyPath.get().trim();
        if (sp.isEmpty()) {
            background.notify(Notice.warning("Choose a study file to record the search in."));
            return false;
        }
        Path studyFile = Path.of(sp).toAbsolutePath();
        String dataProblem = missing(settings.data().dataPath(), "data file");
        if (dataProblem == null) dataProblem = missing(settings.data().tokenizerPath(), "tokenizer");
        if (dataProblem == null) dataProblem = dev.lathe.ui.distill.SearchFormDistillation.problem(distillShare.get(), settings.data().dataPath());
        if (dataProblem != null) {
            background.notify(Notice.error("Cannot start the search: " + dataProblem));
            return false;
        }

        study.show(studyFile);
        stopRequested = false;
        pauseWanted = false;
        runner = null;
        running.set(true);
        stopping.set(false);
        progress.set(-1);
        progressText.set("Preparing…");
        lastOutcome.set(null);
        appendLog("── " + (Files.exists(studyFile) ? "Resuming " : "Starting ") + "search of " + model.getFileName() + " into "
                + studyFile.getFileName() + " (budget " + settings.search().budget() + ")" + (devices == null ? "" : " " + pool.describe()));

        int minutes = timeLimitMinutes.get() == null ? 0 : timeLimitMinutes.get();
        String share = distillShare.get();
        task = new Task<>() {
            @Override
            protected SearchRunner.Outcome call() throws Exception {
                return dev.lathe.study.storage.FreshStudy.run(studyFile, this::search);
            }

            private SearchRunner.Outcome search() throws Exception {
                try (SqliteStudyStorage store = SqliteStudyStorage.open(studyFile)) {
                    // What the runner will run with, by the same rule (a resumed study keeps its own settings).
                    StudyConfig bound = StudyBinding.of(store, settings).config();
                    Study before = Study.load(store, bound.measuring().objective(), bound.constraints());
                    Platform.runLater(() -> study.setCandidates(studyFile, before));
                    Platform.runLater(() -> study.showReferences(before.references()));
                    SearchRunListener listener = new SearchRunListener(SearchViewModel.this, study, store, () -> runner == null ? bound : runner.config());
                    SearchRunner r = new SearchRunner(model, settings, store, listener);
                    if (minutes > 0) r.timeBudget(java.time.Duration.ofMinutes(minutes));
                    r.measurers(measurers);
                    if (devices != null) r.pool(devices);
                    dev.lathe.ui.distill.SearchFormDistillation.wire(r, store, bound, share, listener::message, () -> Platform.runLater(study::refreshDistilled));
                    runner = r;
                    if (stopRequested) r.requestStop();
                    if (pauseWanted) r.requestPause();
                    SearchRunner.Outcome outcome = r.run();
                    Study end = r.study();
                    Platform.runLater(() -> study.setCandidates(studyFile, end));
                    return outcome;
                }
            }
        };
        task.setOnSucceeded(e -> {
            SearchRunner.Outcome o = task.getValue();
            finished();
            lastOutcome.set(o);
            study.refreshDistilled(); // the search ended by confirming its front's speed-ups
            progress.set(o.budget() == 0 ? 1 : Math.min(1, o.measured() / (double) o.budget()));
            String what = o.stopped() ? "Stopped" : "Finished";
            progressText.set(what + ": " + o.measured() + " / " + o.budget() + " measured in " + Formats.duration(o.wallSeconds())
                    + " · " + o.front().size() + " on the Pareto front");
            appendLog("── " + progressText.get());
            background.notify(new Notice(Notice.Level.SUCCESS, "Search " + what.toLowerCase(Locale.ROOT) + ": " + o.measured() + " of "
                    + o.budget() + " candidates measured, " + o.front().size() + " on the Pareto front. Study: " + studyFile.getFileName()));
        });
        task.setOnFailed(e -> {
            finished();
            progress.set(0);
            String problem = Background.problem(task.getException());
            progressText.set("Failed");
            appendLog("── Search failed: " + problem);
            background.notify(Notice.error("Search of " + model.getFileName() + " failed: " + problem));
        });
        task.setOnCancelled(e -> finished());
        Thread t = new Thread(task, "lathe-search");
        t.setDaemon(true);
        t.start();
        return true;
    }

    /** Progress of an opened study: how much of its budget was measured (Start resumes the rest). */
    public void showStudy(int measured, int budget) {
        if (running.get()) return;
        progress.set(budget <= 0 ? 0 : Math.min(1, measured / (double) budget));
        progressText.set("Study: " + measured + " / " + budget + " measured" + (measured < budget ? " · Start resumes it" : ""));
    }

    /** Asks the search to stop after the candidate being measured; everything measured stays in the study. */
    public void stop() {
        if (!running.get() || stopping.get()) return;
        stopping.set(true);
        stopRequested = true;
        SearchRunner r = runner;
        if (r != null) r.requestStop();
        progressText.set(paused.get() ? "Stopping (paused, nothing is being measured)…" : "Stopping after the current candidate…");
        appendLog("── Stop requested; finishing the candidate being measured");
    }

    /** Pauses the running search after its candidate, or resumes a paused one. */
    public void togglePause() {
        if (pauseRequested.get()) resume(); else pause();
    }

    /** Asks the search to pause after the candidate being measured; {@link #resume()} goes on. */
    public void pause() {
        if (!running.get() || stopping.get() || pauseRequested.get()) return;
        pauseRequested.set(true);
        pauseWanted = true;
        SearchRunner r = runner;
        if (r != null) r.requestPause();
        progressText.set("Pausing after the current candidate…");
        appendLog("── Pause requested; finishing the candidate being measured");
    }

    /** Lets a paused (or pausing) search go on. */
    public void resume() {
        if (!pauseRequested.get()) return;
        pauseRequested.set(false);
        pauseWanted = false;
        SearchRunner r = runner;
        if (r != null) r.resume();
        if (!paused.get() && !stopping.get()) progressText.set(lastProgress); // resumed before the pause took effect
    }

    void showPaused(int measured, int budget, Long lastCandidate) {
        if (!running.get() || stopping.get() || !pauseRequested.get()) return;
        paused.set(true);
        progress.set(budget == 0 ? 1 : measured / (double) budget);
        progressText.set((lastCandidate == null ? "Paused before the first candidate" : "Paused after candidate #" + lastCandidate)
                + " · " + measured + " / " + budget + " · Resume goes on");
        appendLog("── " + progressText.get());
    }

    /** The search went on after a pause. */
    void showResumed(int measured, int budget) {
        paused.set(false);
        appendLog("── Resumed");
        showProgress(measured, budget, Double.NaN);
    }

    private void finished() {
        running.set(false);
        stopping.set(false);
        pauseRequested.set(false);
        paused.set(false);
        pauseWanted = false;
        runner = null;
    }

    void showProgress(int measured, int budget, double secondsLeft) {
        if (stopping.get() || paused.get()) return;
        progress.set(budget == 0 ? 1 : measured / (double) budget);
        String text = measured + " / " + budget;
        if (!Double.isNaN(secondsLeft) && measured < budget) text += " · ~" + Formats.duration(secondsLeft) + " left";
        lastProgress = text;
        if (pauseRequested.get()) text += " · pausing after the current candidate…";
        progressText.set(text);
    }

    void appendLog(String line) {
        log.add(LocalTime.now().format(CLOCK) + "  " + line);
        if (log.size() > MAX_LOG_LINES) log.remove(0, log.size() - MAX_LOG_LINES);
    }

    private static String missing(String path, String what) {
        if (path == null) return null;
        return Files.isRegularFile(Path.of(path)) ? null : "the " + what + " " + path + " does not exist";
    }

    private static int valueOr(ObjectProperty<Integer> p, int fallback) {
        return p.get() == null ? fallback : p.get();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
