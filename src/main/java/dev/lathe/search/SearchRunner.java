package dev.lathe.search;

import dev.lathe.config.MeasuringConfig;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.InProcessMeasurer;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.MachineInfo;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.worker.WorkerMeasurer;
import dev.lathe.eval.worker.WorkerProcess;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.ModelGate;
import dev.lathe.pool.client.PoolMeasurer;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.DataIdentity;
import dev.lathe.study.DriftCorrection;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.storage.StudyLock;
import dev.lathe.study.TrialResult;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs a search into a study: the loop that asks the strategy for genomes, builds and measures each one in turn,
 * records it before asking for more, tells the strategy, and pauses or stops between candidates. What is around
 * the loop is a piece of its own: {@link Preflight}, {@link StudyBinding} (resume rules), {@link ReferenceSchedule},
 * {@link PhaseTimes}, {@link Strategies}, {@link CandidateBuilders} and {@link StudySensitivity}. Resuming replays the study into the strategy, so no
 * completed candidate is measured twice; a candidate caught mid-measurement by a crash is measured again.
 * Candidates are measured by a {@link CandidateMeasurer}, by default a worker process, so a candidate that
 * crashes or hangs is recorded as failed and the search goes on; the original is re-measured at intervals as
 * the drift reference. Under constraints the strategy is told each candidate's constraint values and
 * prefers feasible candidates; the front it reports is that of the feasible ones.
 */
public final class SearchRunner {
    /** What a failed candidate is told: worse than anything measured. */
    static final double[] FAILED = {Double.MAX_VALUE, Double.MAX_VALUE};

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
        CandidateMeasurer open(MeasurementSetup setup, MeasuringConfig options, Consumer<String> log);
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
    private final PhaseTimes phases = new PhaseTimes();
    private StudyConfig config;
    private MeasurerFactory measurers = DEFAULT_MEASURERS;
    /** Makes the strategy over the study's space instead of the configured kind (tools such as tabulation), or null. */
    private java.util.function.Function<SearchSpace, SearchStrategy> strategyFactory;
    /** Wraps the strategy (distillation of each generation's most promising share); identity unless set. */
    private java.util.function.UnaryOperator<SearchStrategy> strategyDecorator = java.util.function.UnaryOperator.identity();
    /** This run's time budget (paused time not counted), or null for the candidate budget alone. */
    private java.time.Duration timeBudget;
    private boolean timeUp;
    /** The pool of devices to measure on, or null to measure on this machine. */
    private PoolMeasurer.Options pool;
    /** The pool search once connected (its devices stay readable after it ends), or null. */
    private volatile PoolSearch poolSearch;
    /** Whether the front is re-timed interleaved with the original after the loop ({@link FrontConfirmation}). */
    private boolean confirmFront = true;

    /** A search of {@code modelPath} into {@code store} with {@code asked} (a resumed study keeps its own, see {@link StudyBinding}). */
    public SearchRunner(Path modelPath, StudyConfig asked, StudyStorage store, Listener listener) {
        this.modelPath = modelPath;
        this.config = asked;
        this.store = store;
        this.listener = listener;
    }

    /** Measures with {@code factory} instead of the default worker (tests, tools). */
    public SearchRunner measurers(MeasurerFactory factory) {
        this.measurers = factory;
        return this;
    }

    /** Whether to confirm the front's speed-ups after the search (on by default; tools that only tabulate turn it off). */
    public SearchRunner confirmFront(boolean on) {
        this.confirmFront = on;
        return this;
    }

    /** Measures on the devices of a pool ({@link PoolSearch}) instead of on this machine. */
    public SearchRunner pool(PoolMeasurer.Options devices) {
        this.pool = devices;
        return this;
    }

    /** Proposes candidates with {@code factory}'s strategy over the study's space rather than the configured kind's (tools). */
    public SearchRunner strategies(java.util.function.Function<SearchSpace, SearchStrategy> factory) {
        this.strategyFactory = factory;
        return this;
    }

    /** Wraps whatever strategy the study gets in {@code decorator} (for example {@code export.searchdistill.DistillShareStrategy}). */
    public SearchRunner decorateStrategy(java.util.function.UnaryOperator<SearchStrategy> decorator) {
        this.strategyDecorator = decorator;
        return this;
    }

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

    static String describe(java.time.Duration d) {
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
    long awaitResume(int measured, Long lastCandidate) throws InterruptedException {
        synchronized (pauseLock) {
            if (!pauseRequested || stop.get()) return 0;
        }
        long t0 = System.nanoTime();
        listener.paused(measured, config.search().budget(), lastCandidate);
        synchronized (pauseLock) {
            while (pauseRequested && !stop.get()) pauseLock.wait();
        }
        if (!stop.get()) listener.resumed(measured, config.search().budget());
        return System.nanoTime() - t0;
    }

    /** The pool's devices and what each is doing, from any thread; empty before the pool is connected or on one machine. */
    public List<dev.lathe.pool.schedule.DeviceState> poolDevices() {
        PoolSearch p = poolSearch;
        return p == null ? List.of() : p.devices();
    }

    /** The configuration this search runs with: the asked one until {@link #run} binds it to the study, the bound one after. */
    public StudyConfig config() { return config; }

    /** Runs the search; a second search on the same study file at the same time is refused, naming the first. */
    public Outcome run() throws Exception {
        try (StudyLock ignored = StudyLock.acquire(store.file())) {
            return runLocked();
        }
    }

    private Outcome runLocked() throws Exception {
        long t0 = System.nanoTime();
        listener.message("Loading " + modelPath.getFileName());
        OnnxModel original = ModelGate.admit(modelPath); // also a resumed study's model, which may have changed since
        Preflight.checkSpace(config, original);
        StudyBinding binding = StudyBinding.of(store, config);
        binding.record(store, modelPath, original.sha256(), listener::message);
        config = binding.config();
        Preflight.checkMeasuring(config);
        if (!config.constraints().isEmpty()) listener.message("Constraints: " + config.constraints().describe());
        if (!config.keepRanges().isDefault()) listener.message("Search space: " + config.keepRanges().describe());
        int reset = store.resetInterrupted();
        if (reset > 0) listener.message(reset + " candidate(s) interrupted earlier will be measured again");

        EvaluationData.Split split = config.data().resolve(original);
        if (split.evaluation().synthetic())
            listener.message("WARNING: no data given, scoring on random inputs; quality figures only show fidelity to the original on noise");
        store.recordData(new DataIdentity(split.evaluation().description() + (split.evaluation().synthetic() ? " (synthetic)" : ""),
                split.evaluation().fingerprint()));
        MeasuringConfig measuring = config.measuring();
        MeasurementSetup setup = config.measurementSetup(modelPath);
        if (measuring.clock() == LatencyClock.CPU) {
            listener.message("Timing on CPU time per run (the measuring process's, all its threads): steady on a busy machine");
            String caveat = measuring.clock().caveat(measuring.threads());
            if (caveat != null) listener.message("WARNING: " + caveat);
        }
        store.recordMachine(MachineInfo.current());
        if (pool != null) {
            CandidateBuilder builder = CandidateBuilders.of(original, config, split, listener::message);
            store.recordPruning(builder.options().criterion() + "+" + builder.options().repair());
            SearchStrategy strategy = strategyDecorator.apply(Strategies.forStudy(config, store, original, builder, split, strategyFactory, listener::message));
            try (PoolSearch search = PoolSearch.open(this, store, pool, original, setup, builder, split, listener)) {
                poolSearch = search;
                phases.since("prepare", t0);
                search.loop(strategy);
                if (confirmFront && strategyFactory == null && !stop.get()) {
                    long c0 = System.nanoTime();
                    search.confirmFront(stop::get);
                    phases.since("confirm", c0);
                }
            }
            return outcome(t0);
        }
        listener.message("Preparing evaluation on " + split.evaluation().size() + " samples"
                + (measuring.isolated() ? " in a measurement worker" : " in this process"));
        try (CandidateMeasurer measurer = measurers.open(setup, measuring, listener::message)) {
            // A worker prepares (starts, loads, computes the original's outputs) while this process analyses the graph.
            java.util.concurrent.CompletableFuture<SessionInfo> starting = measurer.isolated()
                    ? java.util.concurrent.CompletableFuture.supplyAsync(measurer::start) : null;
            listener.message("Analysing graph" + (config.pruning().options().needsCalibration() && !split.calibration().synthetic()
                    ? " and gathering activation statistics on " + Math.min(split.calibration().size(), CandidateBuilder.MAX_CALIBRATION_SAMPLES) + " calibration samples" : ""));
            CandidateBuilder builder = CandidateBuilders.of(original, config, split, listener::message);
            store.recordPruning(builder.options().criterion() + "+" + builder.options().repair());
            SearchStrategy strategy = strategyDecorator.apply(Strategies.forStudy(config, store, original, builder, split, strategyFactory, listener::message));

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
            phases.since("prepare", t0);
            loop(strategy, builder, measurer);
            if (confirmFront && strategyFactory == null && !stop.get()) {
                long c0 = System.nanoTime();
                FrontConfirmation.run(study(), builder, measurer, store, listener::message, stop::get);
                phases.since("confirm", c0);
            }
        }
        return outcome(t0);
    }

    private Outcome outcome(long t0) {
        double wall = (System.nanoTime() - t0) / 1e9;
        List<CandidateRecord> front = study().front();
        int measuredNow = measuredCount();
        int budget = config.search().budget();
        return new Outcome(measuredNow, budget, (stop.get() || timeUp) && measuredNow < budget, front, wall, phases.of(wall));
    }

    /** Ask, measure, tell, until the budget, the time budget, a stop or an exhausted space; pauses between candidates. */
    private void loop(SearchStrategy strategy, CandidateBuilder builder, CandidateMeasurer measurer) throws InterruptedException {
        Study known = replay(strategy);

        int budget = config.search().budget();
        int measured = measuredCount();
        listener.started(measured, budget);
        int countThisRun = 0;
        Long lastCandidate = null;
        // Candidates added but never measured (the search stopped or crashed in between) come first.
        List<CandidateRecord> queue = new java.util.ArrayList<>(known.trials().stream().filter(c -> c.status() == CandidateStatus.PENDING).toList());
        int generation = known.trials().stream().mapToInt(CandidateRecord::generation).max().orElse(-1) + 1;
        ReferenceSchedule references = new ReferenceSchedule(config.measuring());
        if (measured < budget && !stop.get()) {
            reference(measurer, measured);
            references.measured();
        }
        // Time left is this run's wall time per candidate (building, measuring, references, the study) with pauses left out.
        long loopStart = System.nanoTime();
        long pausedNanos = 0;
        while (measured < budget && !stop.get()) {
            pausedNanos += awaitResume(measured, lastCandidate);
            if (stop.get()) break;
            if (timeBudget != null && System.nanoTime() - loopStart - pausedNanos >= timeBudget.toNanos()) {
                listener.message("Time budget of " + describe(timeBudget) + " used after " + countThisRun
                        + " candidates this run; " + measured + " of " + budget + " measured in all");
                timeUp = true;
                break;
            }
            if (queue.isEmpty()) {
                int n = Math.min(config.search().population(), budget - measured);
                for (Genome g : strategy.ask(n)) {
                    CandidateRecord rec = store.addPending(GenomeJson.write(g), strategy.id(), generation);
                    if (rec.status() == CandidateStatus.PENDING) queue.add(rec);
                }
                generation++;
                if (queue.isEmpty()) { listener.message("The search space is exhausted"); break; }
            }
            if (references.due()) {
                reference(measurer, measured);
                references.measured();
            }
            CandidateRecord next = queue.remove(0);
            Study after = measure(next, builder, measurer, strategy);
            CandidateRecord done = after.trial(next.id()).orElseThrow();
            measured++;
            countThisRun++;
            references.candidate();
            lastCandidate = done.id();
            double secondsThisRun = (System.nanoTime() - loopStart - pausedNanos) / 1e9;
            double left = secondsThisRun / countThisRun * (budget - measured);
            if (timeBudget != null) left = Math.min(left, Math.max(0, timeBudget.toNanos() / 1e9 - secondsThisRun));
            listener.candidateFinished(done, after, measured, budget, left);
        }
        if (references.pending()) reference(measurer, measured);
    }

    /** Tells {@code strategy} every finished candidate of the study (a resumed search goes on from them); the study as it stands. */
    Study replay(SearchStrategy strategy) {
        Study known = study();
        for (CandidateRecord c : known.trials())
            if (c.status() == CandidateStatus.DONE) strategy.tell(GenomeJson.read(c.genomeJson()), known.objectives(c), known.constraintValues(c));
            else if (c.status() == CandidateStatus.FAILED) strategy.tell(GenomeJson.read(c.genomeJson()), FAILED, config.constraints().failed());
        return known;
    }

    boolean stopRequested() { return stop.get(); }

    java.time.Duration timeBudgetOrNull() { return timeBudget; }

    void timeIsUp() { timeUp = true; }

    PhaseTimes phases() { return phases; }

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
            phases.since("reference", t0);
        }
    }

    /** Builds and measures {@code c}, records it, tells the strategy; returns the study as it stands after it. */
    private Study measure(CandidateRecord c, CandidateBuilder builder, CandidateMeasurer measurer, SearchStrategy strategy) {
        Genome genome = GenomeJson.read(c.genomeJson());
        store.markRunning(c.id());
        long t0 = System.nanoTime();
        try {
            OnnxModel candidate = builder.build(genome);
            phases.since("build", t0);
            Measurement m = measurer.measure(candidate);
            phases.add("latency", m.latencySeconds());
            phases.add("quality", m.qualitySeconds());
            store.recordDone(c.id(), TrialResult.of(m, (System.nanoTime() - t0) / 1e9));
            Study now = study();
            CandidateRecord done = now.trial(c.id()).orElseThrow();
            strategy.tell(genome, now.objectives(done), now.constraintValues(done));
            return now;
        } catch (Exception | OutOfMemoryError e) {
            String why = e instanceof CandidateFailedException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            store.recordFailed(c.id(), why);
            listener.message("candidate " + c.id() + " failed: " + why);
            strategy.tell(genome, FAILED, config.constraints().failed());
            return study();
        }
    }

    /** The study as it stands, judged on this search's objective and constraints. */
    public Study study() {
        return Study.load(store, config.measuring().objective(), config.constraints());
    }

    int measuredCount() {
        return (int) (store.count(CandidateStatus.DONE) + store.count(CandidateStatus.FAILED));
    }
}
