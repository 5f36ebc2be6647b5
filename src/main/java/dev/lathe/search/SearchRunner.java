package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import dev.lathe.study.Constraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.LatheVersion;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.InProcessMeasurer;
import dev.lathe.eval.LatencyClock;
import dev.lathe.eval.MachineInfo;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;
import dev.lathe.eval.TimingProtocol;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.worker.WorkerMeasurer;
import dev.lathe.eval.worker.WorkerProcess;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.DriftCorrection;
import dev.lathe.study.DataIdentity;
import dev.lathe.study.Objective;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.TrialResult;
import dev.lathe.study.StudyException;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.Genome;
import dev.lathe.transform.GenomeJson;
import dev.lathe.transform.Precision;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a search into a study: asks the strategy for genomes, builds and measures each one in turn, records it
 * before asking for more, and tells the strategy. Resuming replays the study into the strategy, so no
 * completed candidate is measured twice; a candidate caught mid-measurement by a crash is measured again.
 * Candidates are measured by a {@link CandidateMeasurer}, by default a worker process, so a candidate that
 * crashes or hangs is recorded as failed and the search goes on; the original is re-measured at intervals as
 * the drift reference. Under {@link Constraints} the strategy is told each candidate's constraint values and
 * prefers feasible candidates; the front it reports is that of the feasible ones.
 */
public final class SearchRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a failed candidate is told: worse than anything measured. */
    private static final double[] FAILED = {Double.MAX_VALUE, Double.MAX_VALUE};

    /** Progress callbacks, on the searching thread. */
    public interface Listener {
        default void message(String text) {}

        default void started(int measured, int budget) {}

        /** {@code candidate} was measured (or failed); {@code study} is the study as it stands after it. */
        default void candidateFinished(CandidateRecord candidate, Study study, int measured, int budget, double secondsLeft) {}

        /** The original was measured again; {@code drift} covers every reference so far. */
        default void referenceMeasured(ReferenceRun reference, DriftCorrection drift) {}

        /** A pause took effect: nothing is measured until {@link #resume()}; {@code lastCandidate} is null before the first. */
        default void paused(int measured, int budget, Long lastCandidate) {}

        /** The search goes on after a pause. */
        default void resumed(int measured, int budget) {}
    }

    /**
     * How a search ended. {@code seconds} splits this run's wall time: {@code prepare} (loading, analysis,
     * starting the measurer), {@code build} (making candidates), {@code latency} and {@code quality} (inside the
     * measurer), {@code reference} (re-measuring the original), {@code overhead} (the rest: files, the worker
     * round trip, restarts, the study, the strategy).
     */
    public record Outcome(int measured, int budget, boolean stopped, List<CandidateRecord> front, double wallSeconds, Map<String, Double> seconds) {
        public Outcome(int measured, int budget, boolean stopped, List<CandidateRecord> front, double wallSeconds) {
            this(measured, budget, stopped, front, wallSeconds, Map.of());
        }
    }

    /** Opens the measurer a search uses; tests wrap the worker with one of their own. */
    public interface MeasurerFactory {
        CandidateMeasurer open(MeasurementSetup setup, MeasuringOptions options, Consumer<String> log);
    }

    /** A worker process unless the options say in-process. */
    public static final MeasurerFactory DEFAULT_MEASURERS = (setup, options, log) -> options.isolated()
            ? new WorkerMeasurer(setup, WorkerProcess.Options.defaults().withRequestSeconds(options.timeoutSeconds())
                    .withHeap(options.workerHeap() != null ? options.workerHeap() : WorkerProcess.Options.defaults().maxHeap()), log)
            : new InProcessMeasurer(setup);

    private final Path modelPath;
    private final StudyStorage store;
    private final Listener listener;
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Guards {@link #pauseRequested}; the searching thread waits on it while paused. */
    private final Object pauseLock = new Object();
    private boolean pauseRequested;
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private SearchSettings settings;
    private MeasuringOptions measuring;
    private MeasurerFactory measurers = DEFAULT_MEASURERS;
    /** This run's time budget (paused time not counted), or null for the candidate budget alone. */
    private java.time.Duration timeBudget;
    private boolean timeUp;

    public SearchRunner(Path modelPath, SearchSettings settings, StudyStorage store, Listener listener) {
        this(modelPath, settings, MeasuringOptions.DEFAULT, store, listener);
    }

    public SearchRunner(Path modelPath, SearchSettings settings, MeasuringOptions measuring, StudyStorage store, Listener listener) {
        this.modelPath = modelPath;
        this.settings = settings;
        this.measuring = measuring;
        this.store = store;
        this.listener = listener;
    }

    /** Measures with {@code factory} instead of the default worker (tests, tools). */
    public SearchRunner measurers(MeasurerFactory factory) {
        this.measurers = factory;
        return this;
    }

    public MeasuringOptions measuring() { return measuring; }

    /**
     * Ends this run once it has searched for {@code budget} (time paused not counted), whichever of that and the
     * candidate budget comes first; the candidate in flight is finished. A run option rather than a study setting:
     * a resumed study gets a new time budget for each run.
     */
    public SearchRunner timeBudget(java.time.Duration budget) {
        if (budget != null && (budget.isNegative() || budget.isZero()))
            throw new IllegalArgumentException("the time budget must be positive, got " + budget);
        this.timeBudget = budget;
        return this;
    }

    private static String describe(java.time.Duration d) {
        long s = d.toSeconds();
        return s % 60 == 0 ? (s / 60) + " min" : s + " s";
    }

    /** Asks the search to stop after the candidate being measured; everything found so far stays in the study. */
    public void requestStop() {
        stop.set(true);
        synchronized (pauseLock) {
            pauseLock.notifyAll(); // a paused search wakes up to stop
        }
    }

    /**
     * Asks the search to pause after the candidate being measured: it then measures nothing (the worker stays
     * up, idle) until {@link #resume()}, and continues with the same strategy state. Stopping ends a pause.
     */
    public void requestPause() {
        synchronized (pauseLock) {
            pauseRequested = true;
        }
    }

    /** Lets a paused (or pausing) search go on. */
    public void resume() {
        synchronized (pauseLock) {
            pauseRequested = false;
            pauseLock.notifyAll();
        }
    }

    public boolean isPauseRequested() {
        synchronized (pauseLock) {
            return pauseRequested;
        }
    }

    /**
     * Between candidates: waits while a pause is asked for (or until a stop), telling the listener when the pause
     * takes effect and ends. Returns the nanoseconds spent paused, which time-left estimates leave out.
     */
    private long awaitResume(int measured, Long lastCandidate) throws InterruptedException {
        synchronized (pauseLock) {
            if (!pauseRequested || stop.get()) return 0;
        }
        long t0 = System.nanoTime();
        listener.paused(measured, settings.budget(), lastCandidate);
        synchronized (pauseLock) {
            while (pauseRequested && !stop.get()) pauseLock.wait();
        }
        if (!stop.get()) listener.resumed(measured, settings.budget());
        return System.nanoTime() - t0;
    }

    public SearchSettings settings() { return settings; }

    public Outcome run() throws Exception {
        long t0 = System.nanoTime();
        listener.message("Loading " + modelPath.getFileName());
        OnnxModel original = OnnxModel.load(modelPath);
        // Checked before the study records the settings, so a mistyped group id leaves no study behind it.
        if (!settings.keepRanges().isDefault())
            settings.keepRanges().requireKnown(dev.lathe.analysis.GroupFinder.analyze(dev.lathe.model.MutableGraph.of(original)));
        bindStudy(original);
        dev.lathe.eval.ExecutionProviders.require(measuring.provider());
        if (measuring.objective() == Objective.MEMORY && (!measuring.isolated() || dev.lathe.eval.PeakMemory.highWaterMark() == null))
            throw new IllegalArgumentException("the peak-memory objective needs measuring in a worker process on Linux (it reads /proc/self/status)");
        if (settings.constraints().needsPeakMemory() && (!measuring.isolated() || dev.lathe.eval.PeakMemory.highWaterMark() == null))
            throw new IllegalArgumentException("a peak-memory bound needs measuring in a worker process on Linux (it reads /proc/self/status)");
        if (!settings.constraints().isEmpty()) listener.message("Constraints: " + settings.constraints().describe());
        if (!settings.keepRanges().isDefault()) listener.message("Search space: " + settings.keepRanges().describe());
        int reset = store.resetInterrupted();
        if (reset > 0) listener.message(reset + " candidate(s) interrupted earlier will be measured again");

        EvaluationData.Split split = settings.data(original);
        if (split.evaluation().synthetic())
            listener.message("WARNING: no data given, scoring on random inputs; quality figures only show fidelity to the original on noise");
        store.recordData(new DataIdentity(split.evaluation().description() + (split.evaluation().synthetic() ? " (synthetic)" : ""),
                split.evaluation().fingerprint()));

        TimingProtocol protocol = (settings.quickTiming() ? TimingProtocol.QUICK : TimingProtocol.DEFAULT.withTolerance(measuring.tolerancePct() / 100));
        MeasurementSetup setup = new MeasurementSetup(modelPath.toAbsolutePath().toString(), settings.dataPath(), settings.tokenizerPath(),
                settings.batch(), settings.sequenceLength(), settings.shapes(), settings.threads(), measuring.provider(), "all", protocol,
                true, measuring.objective() == Objective.MEMORY || measuring.isolated(), settings.clock(), settings.imageMean(), settings.imageStd());
        if (settings.clock() == LatencyClock.CPU) {
            listener.message("Timing on CPU time per run (the measuring process's, all its threads): steady on a busy machine");
            String caveat = settings.clock().caveat(settings.threads());
            if (caveat != null) listener.message("WARNING: " + caveat);
        }
        store.recordMachine(MachineInfo.current());
        listener.message("Preparing evaluation on " + split.evaluation().size() + " samples"
                + (measuring.isolated() ? " in a measurement worker" : " in this process"));
        try (CandidateMeasurer measurer = measurers.open(setup, measuring, listener::message)) {
            // A worker prepares (starts, loads, computes the original's outputs) while this process analyses the graph.
            java.util.concurrent.CompletableFuture<SessionInfo> starting = measurer.isolated()
                    ? java.util.concurrent.CompletableFuture.supplyAsync(measurer::start) : null;
            listener.message("Analysing graph" + (settings.pruning().needsCalibration() && !split.calibration().synthetic()
                    ? " and gathering activation statistics on " + Math.min(split.calibration().size(), CandidateBuilder.MAX_CALIBRATION_SAMPLES) + " calibration samples" : ""));
            CandidateBuilder builder = builderFor(original, settings, split);
            store.recordPruning(builder.options().criterion() + "+" + builder.options().repair());
            PrecisionChoices choices = settings.precisionChoices();
            choices.requireLayers(builder.analysis().quantizable());
            if (choices.offers(Precision.INT8_STATIC) && !builder.canCalibrate()) {
                choices = choices.without(Precision.INT8_STATIC);
                listener.message("int8_static is left out of this search: its activation ranges need calibration data");
            }
            SearchSpace space = new SearchSpace(builder.analysis(), choices, sensitivity(original, builder, choices, split), settings.keepRanges());
            listener.message(space.groups().size() + " prunable groups, " + space.layers().size() + " quantizable layers");
            SearchStrategy strategy = settings.strategy().equals("random")
                    ? new RandomStrategy(space, settings.seed())
                    : new Nsga2Strategy(space, settings.populationSize(), settings.seed());

            SessionInfo info;
            try {
                info = starting != null ? starting.join() : measurer.start();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof Exception x ? x : e;
            }
            if (!split.evaluation().fingerprint().equals(info.dataFingerprint()))
                throw new IllegalStateException("the measuring process read different evaluation data (" + info.dataDescription()
                        + ", " + info.dataFingerprint() + ") than the search (" + split.evaluation().fingerprint() + ")");
            store.recordOutputKind(info.outputKind());
            if (info.machine() != null) store.recordMachine(info.machine());
            seconds.put("prepare", (System.nanoTime() - t0) / 1e9);

            Study known = study();
            for (CandidateRecord c : known.trials())
                if (c.status() == CandidateStatus.DONE) strategy.tell(GenomeJson.read(c.genomeJson()), known.objectives(c), known.constraintValues(c));
                else if (c.status() == CandidateStatus.FAILED) strategy.tell(GenomeJson.read(c.genomeJson()), FAILED, settings.constraints().failed());

            int measured = measuredCount();
            listener.started(measured, settings.budget());
            int countThisRun = 0;
            Long lastCandidate = null;
            // Candidates added but never measured (the search stopped or crashed in between) come first.
            List<CandidateRecord> queue = new java.util.ArrayList<>(store.all().stream().filter(c -> c.status() == CandidateStatus.PENDING).toList());
            int generation = store.all().stream().mapToInt(CandidateRecord::generation).max().orElse(-1) + 1;
            int sinceReference = 0;
            long lastReference = 0;
            if (measured < settings.budget() && !stop.get()) {
                reference(measurer, measured);
                lastReference = System.nanoTime();
            }
            // Time left is this run's wall time per candidate (building, measuring, references, the study) with pauses left out.
            long loopStart = System.nanoTime();
            long pausedNanos = 0;
            while (measured < settings.budget() && !stop.get()) {
                pausedNanos += awaitResume(measured, lastCandidate);
                if (stop.get()) break;
                if (timeBudget != null && System.nanoTime() - loopStart - pausedNanos >= timeBudget.toNanos()) {
                    listener.message("Time budget of " + describe(timeBudget) + " used after " + countThisRun
                            + " candidates this run; " + measured + " of " + settings.budget() + " measured in all");
                    timeUp = true;
                    break;
                }
                if (queue.isEmpty()) {
                    int n = Math.min(settings.populationSize(), settings.budget() - measured);
                    for (Genome g : strategy.ask(n)) {
                        CandidateRecord rec = store.addPending(GenomeJson.write(g), strategy.id(), generation);
                        if (rec.status() == CandidateStatus.PENDING) queue.add(rec);
                    }
                    generation++;
                    if (queue.isEmpty()) { listener.message("The search space is exhausted"); break; }
                }
                if (sinceReference >= measuring.referenceEvery() || (System.nanoTime() - lastReference) / 60e9 >= measuring.referenceMinutes()) {
                    reference(measurer, measured);
                    lastReference = System.nanoTime();
                    sinceReference = 0;
                }
                CandidateRecord next = queue.remove(0);
                Study after = measure(next, builder, measurer, strategy);
                CandidateRecord done = after.trial(next.id()).orElseThrow();
                measured++;
                countThisRun++;
                sinceReference++;
                lastCandidate = done.id();
                double secondsThisRun = (System.nanoTime() - loopStart - pausedNanos) / 1e9;
                double left = secondsThisRun / countThisRun * (settings.budget() - measured);
                if (timeBudget != null) left = Math.min(left, Math.max(0, timeBudget.toNanos() / 1e9 - secondsThisRun));
                listener.candidateFinished(done, after, measured, settings.budget(), left);
            }
            if (sinceReference > 0) reference(measurer, measured);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double accounted = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
        seconds.put("overhead", Math.max(0, wall - accounted));
        List<CandidateRecord> front = study().front();
        int measuredNow = measuredCount();
        return new Outcome(measuredNow, settings.budget(), (stop.get() || timeUp) && measuredNow < settings.budget(), front, wall, Map.copyOf(seconds));
    }

    /** Re-measures the original as the drift reference; a failure is logged and the search goes on. */
    private void reference(CandidateMeasurer measurer, int measured) {
        long t0 = System.nanoTime();
        try {
            Measurement m = measurer.measureReference();
            ReferenceRun r = store.recordReference(measured, TrialResult.reference(m));
            listener.referenceMeasured(r, new DriftCorrection(store.references()));
        } catch (CandidateFailedException e) {
            listener.message("reference measurement of the original failed: " + e.getMessage());
        } finally {
            add("reference", t0);
        }
    }

    private void add(String phase, long sinceNanos) {
        seconds.merge(phase, (System.nanoTime() - sinceNanos) / 1e9, Double::sum);
    }

    /** Builds and measures {@code c}, records it, tells the strategy; returns the study as it stands after it. */
    private Study measure(CandidateRecord c, CandidateBuilder builder, CandidateMeasurer measurer, SearchStrategy strategy) {
        Genome genome = GenomeJson.read(c.genomeJson());
        store.markRunning(c.id());
        long t0 = System.nanoTime();
        try {
            OnnxModel candidate = builder.build(genome);
            add("build", t0);
            Measurement m = measurer.measure(candidate);
            seconds.merge("latency", m.latencySeconds(), Double::sum);
            seconds.merge("quality", m.qualitySeconds(), Double::sum);
            store.recordDone(c.id(), TrialResult.of(m, (System.nanoTime() - t0) / 1e9));
            Study now = study();
            CandidateRecord done = now.trial(c.id()).orElseThrow();
            strategy.tell(genome, now.objectives(done), now.constraintValues(done));
            return now;
        } catch (Exception | OutOfMemoryError e) {
            String why = e instanceof CandidateFailedException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            store.recordFailed(c.id(), why);
            listener.message("candidate " + c.id() + " failed: " + why);
            strategy.tell(genome, FAILED, settings.constraints().failed());
            return study();
        }
    }

    /**
     * Each layer's quality drop at its first offered precision, on the first calibration samples: measured once
     * per study (kept in its meta table, so a resumed search ranks layers the same way) and used to seed and
     * bias the search ({@link SearchSpace}). Empty when the settings turn it off.
     */
    private Map<String, Double> sensitivity(OnnxModel original, CandidateBuilder builder, PrecisionChoices choices, EvaluationData.Split split)
            throws Exception {
        if (settings.sensitivitySamples() == 0) return Map.of();
        var stored = store.sensitivity();
        if (stored.isPresent()) return JSON.readValue(stored.get(), SensitivityAnalysis.Report.class).drops();
        var data = split.calibration().head(settings.sensitivitySamples());
        listener.message("Measuring each layer's sensitivity to reduced precision on " + data.size() + " calibration samples");
        var quality = new dev.lathe.eval.QualityEvaluator(original, data, dev.lathe.model.OrtRunner.RunnerSettings.cpu(settings.threads()));
        SensitivityAnalysis.Report report = SensitivityAnalysis.run(builder, original, quality,
                l -> choices.forLayer(l).isEmpty() ? null : choices.forLayer(l).get(0), null);
        store.recordSensitivity(JSON.writeValueAsString(report));
        var worst = report.worstFirst().stream().limit(3).map(r -> String.format("%s %+.4f", r.layer(), -r.drop())).toList();
        if (!worst.isEmpty()) listener.message("Most sensitive layers: " + String.join(", ", worst));
        return report.drops();
    }

    /**
     * The builder a study's candidates are made with; export calls it too, so a rebuilt candidate is the one
     * measured. Random inputs make poor calibration, so they fall back to magnitude ranking without repair.
     */
    public static CandidateBuilder builderFor(OnnxModel original, SearchSettings settings, EvaluationData.Split split) throws ai.onnxruntime.OrtException {
        if (split.calibration().synthetic())
            return CandidateBuilder.create(original, dev.lathe.transform.PruningOptions.MAGNITUDE, settings.quantization(), null);
        return CandidateBuilder.create(original, settings.pruning(), settings.quantization(), split.calibration().samples());
    }

    /** The study as it stands, judged on this search's objective and constraints. */
    public Study study() {
        return Study.load(store, measuring.objective(), settings.constraints());
    }

    private int measuredCount() {
        return (int) (store.count(CandidateStatus.DONE) + store.count(CandidateStatus.FAILED));
    }

    /**
     * A new study records the model and settings; an existing one must belong to the same model file, and
     * keeps its measuring settings (only the budget may grow) so old and new candidates stay comparable.
     * Constraints are the exception: they change no figure, only which candidates count, so constraints given
     * anew replace the study's (the log says so) and none given keeps the study's.
     */
    private void bindStudy(OnnxModel original) {
        var origin = store.origin();
        if (origin.isPresent() && !origin.get().modelSha256().equals(original.sha256()))
            throw new StudyException(store.file(), "belongs to a different model (" + java.util.Objects.requireNonNullElse(origin.get().modelPath(), "?")
                    + "); " + modelPath.getFileName() + " has changed or is another file", null);
        var stored = StoredSettings.of(store);
        if (stored.isPresent()) {
            SearchSettings old = stored.get().settings();
            // Silently adopting the study's clock would leave the caller believing the figures are on the clock asked for.
            if (old.clock() != settings.clock())
                throw new StudyException(store.file(), "its latencies are " + old.clock().label() + " (--clock " + old.clock().id() + "); resuming it on "
                        + settings.clock().label() + " would mix figures that do not compare. Resume with --clock " + old.clock().id()
                        + ", or start a new study", null);
            SearchSettings kept = old.withBudget(settings.budget());
            Constraints asked = settings.constraints();
            if (!asked.isEmpty() && !asked.equals(old.constraints())) {
                listener.message("Constraints changed from " + old.constraints().describe() + " to " + asked.describe()
                        + "; the front is recomputed from the figures already measured");
                kept = kept.withConstraints(asked);
            } else if (!old.constraints().isEmpty() && asked.isEmpty()) {
                listener.message("Keeping the study's constraints: " + old.constraints().describe());
            }
            if (!kept.withConstraints(asked).equals(settings.withConstraints(asked)))
                listener.message("Resuming with the study's own settings (" + old.toJson() + "); only the budget" + (kept.constraints().equals(old.constraints()) ? " changes" : " and the constraints change"));
            settings = kept;
        } else {
            store.recordOrigin(new StudyOrigin(modelPath.toAbsolutePath().toString(), original.sha256(), LatheVersion.get(), Instant.now().toString()));
        }
        var storedMeasuring = stored.map(StoredSettings::measuring);
        if (storedMeasuring.isPresent()) {
            MeasuringOptions old = storedMeasuring.get();
            MeasuringOptions kept = measuring.keepingStudy(old);
            if (!kept.equals(measuring))
                listener.message("Resuming with the study's own measuring (" + old.provider() + ", " + old.tolerancePct() + " %, objective " + old.objective().id() + ")");
            measuring = kept;
        }
        new StoredSettings(settings, measuring).saveTo(store);
    }
}
