package dev.lathe.search;

import dev.lathe.config.MeasuringConfig;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.pool.DeviceDescription;
import dev.lathe.pool.StudyPackage;
import dev.lathe.pool.client.PoolMeasurer;
import dev.lathe.pool.schedule.DeviceMeasurement;
import dev.lathe.pool.schedule.Scheduler;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.DriftCorrection;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.TrialResult;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The search loop when candidates are measured on a pool of devices: each generation is handed to the pool at
 * once, and candidates are recorded (with the device that measured them) and told to the strategy as they come
 * back, on the searching thread, which alone writes the study. Each device's references are recorded as they
 * arrive. A pause or a stop submits nothing more and lets the candidates in flight finish; a search killed
 * outright leaves them {@code running}, and resuming measures them again, as on one machine. After the loop the
 * front is confirmed on one device ({@link #confirmFront}).
 */
final class PoolSearch implements AutoCloseable {
    private final SearchRunner runner;
    private final StudyStorage store;
    private final SearchRunner.Listener listener;
    private final PoolMeasurer devices;
    private final PoolMeasurer.Options options;
    /** What the device threads hand the searching thread. */
    private final BlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<Long, Genome> inFlight = new LinkedHashMap<>();
    private final Map<Long, Long> submittedAt = new HashMap<>();
    private int measured;
    private boolean sessionRecorded;

    private PoolSearch(SearchRunner runner, StudyStorage store, SearchRunner.Listener listener, PoolMeasurer.Options options, StudyPackage pkg,
                       Map<String, Path> files, String fingerprint) {
        this.runner = runner;
        this.store = store;
        this.listener = listener;
        this.options = options;
        this.devices = new PoolMeasurer(options, pkg, files, fingerprint, new Scheduler.Listener() {
            @Override
            public void message(String text) {
                events.add(() -> listener.message(text));
            }

            @Override
            public void referenceMeasured(DeviceDescription device, Measurement reference) {
                events.add(() -> recordReference(device.name(), reference));
            }
        });
    }

    /** Connects to the pool; the agents rebuild candidates with {@code builder}'s options and the study's calibration data. */
    static PoolSearch open(SearchRunner runner, StudyStorage store, PoolMeasurer.Options options, OnnxModel original, MeasurementSetup setup,
                           CandidateBuilder builder, EvaluationData.Split split, SearchRunner.Listener listener) throws InterruptedException {
        MeasuringConfig m = runner.config().measuring();
        Map<String, Path> files = new HashMap<>();
        StudyPackage pkg = StudyPackage.of(original, setup, builder.options(), builder.quantization(), !split.calibration().synthetic(),
                m.timeoutSeconds(), m.workerHeap(), files);
        listener.message("Measuring on pool " + options.pool() + " through " + options.members().size() + " member address(es)");
        // The study's reference schedule, per device: a resumed study keeps its own, as on one machine.
        PoolSearch search = new PoolSearch(runner, store, listener, options.withReferences(m.referenceEvery(), m.referenceMinutes()), pkg, files,
                split.evaluation().fingerprint());
        try {
            search.devices.start();
        } catch (RuntimeException | InterruptedException e) {
            search.close();
            throw e;
        }
        search.drain();
        return search;
    }

    /** Ask a generation, hand it to the pool, record what comes back; until the budget, the time budget, a stop or an exhausted space. */
    void loop(SearchStrategy strategy) throws InterruptedException {
        List<CandidateRecord> known = runner.replay(strategy).trials();
        int budget = runner.config().search().budget();
        measured = runner.measuredCount();
        listener.started(measured, budget);
        List<CandidateRecord> queue = new ArrayList<>(known.stream().filter(c -> c.status() == CandidateStatus.PENDING).toList());
        int generation = known.stream().mapToInt(CandidateRecord::generation).max().orElse(-1) + 1;
        long loopStart = System.nanoTime();
        long pausedNanos = 0;
        int countThisRun = 0;
        Long lastCandidate = null;
        boolean submitting = true;
        long noDeviceSince = System.nanoTime();
        while (true) {
            if (runner.stopRequested()) submitting = false;
            var time = runner.timeBudgetOrNull();
            if (submitting && time != null && System.nanoTime() - loopStart - pausedNanos >= time.toNanos()) {
                listener.message("Time budget of " + SearchRunner.describe(time) + " used after " + countThisRun + " candidates this run; "
                        + measured + " of " + budget + " measured in all; waiting for the " + inFlight.size() + " in flight");
                runner.timeIsUp();
                submitting = false;
            }
            // A pause takes effect once the candidates in flight are back; until then nothing new is submitted (below).
            if (submitting && runner.isPauseRequested() && inFlight.isEmpty()) {
                pausedNanos += runner.awaitResume(measured, lastCandidate);
                if (runner.stopRequested()) submitting = false;
            }
            if (submitting && !runner.isPauseRequested()) {
                if (queue.isEmpty() && inFlight.isEmpty() && measured < budget) {
                    int n = Math.min(runner.config().search().population(), budget - measured);
                    for (Genome g : strategy.ask(n)) {
                        CandidateRecord rec = store.addPending(GenomeJson.write(g), strategy.id(), generation);
                        if (rec.status() == CandidateStatus.PENDING) queue.add(rec);
                    }
                    generation++;
                    if (queue.isEmpty()) {
                        listener.message("The search space is exhausted");
                        submitting = false;
                    }
                }
                while (!queue.isEmpty() && measured + inFlight.size() < budget) submit(queue.remove(0), strategy);
            }
            if (inFlight.isEmpty() && (!submitting || measured >= budget)) break;
            if (devices.activeDevices() > 0) noDeviceSince = System.nanoTime();
            else if (System.nanoTime() - noDeviceSince > (long) (options.waitSeconds() * 1e9)) {
                // Every device is gone: say so and end; the candidates in flight stay running, and resuming measures them.
                listener.message("No device of pool " + options.pool() + " is left (" + describeDevices() + "); stopping with "
                        + inFlight.size() + " candidate(s) unmeasured, which resuming the study measures");
                runner.requestStop();
                break;
            }
            Runnable event = events.poll(200, TimeUnit.MILLISECONDS);
            if (event == null) continue;
            event.run();
            if (event instanceof Finished f) {
                countThisRun++;
                lastCandidate = f.id;
                double secondsThisRun = (System.nanoTime() - loopStart - pausedNanos) / 1e9;
                double left = secondsThisRun / countThisRun * (budget - measured);
                if (time != null) left = Math.min(left, Math.max(0, time.toNanos() / 1e9 - secondsThisRun));
                Study after = runner.study();
                listener.candidateFinished(after.trial(f.id).orElseThrow(), after, measured, budget, left);
            }
        }
        if (inFlight.isEmpty() && devices.activeDevices() > 0) {
            // Each device's last candidates get a reference after them too, so its drift correction brackets them.
            long t0 = System.nanoTime();
            if (!devices.closingReferences((long) ((runner.config().measuring().timeoutSeconds() + 120) * 1000)))
                listener.message("Not every device measured its closing reference (" + describeDevices() + ")");
            runner.phases().since("reference", t0);
        }
        drain();
        Map<String, String> refused = devices.refusals();
        if (!refused.isEmpty())
            listener.message("Devices not used: " + String.join("; ", refused.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList()));
    }

    /**
     * Confirms the front ({@link FrontConfirmation}) on one device of the pool, the first to join that is still
     * there, so every candidate is timed against the same original on the same machine; the device is named in the
     * log and in each stored confirmation. The agent rebuilds each candidate from its genome, as for a measurement.
     */
    void confirmFront(java.util.function.BooleanSupplier stop) {
        drain();
        dev.lathe.pool.schedule.DeviceState device = devices.confirmingDevice();
        if (device == null) {
            listener.message("The front is not confirmed: no device of pool " + options.pool() + " is left");
            return;
        }
        FrontConfirmation.run(runner.study(), (c, g) -> {
            try {
                return devices.confirm(device.id(), c.id(), c.genomeJson());
            } catch (dev.lathe.pool.schedule.DeviceLostException | dev.lathe.pool.schedule.DeviceRefusedException e) {
                throw new IllegalStateException("device " + device.name() + ": " + e.getMessage(), e);
            }
        }, device.name(), store, text -> {
            drain();
            listener.message(text);
        }, stop);
        drain();
    }

    /** Every device seen and what it does now, refused members included (a copy, for the window). */
    java.util.List<dev.lathe.pool.schedule.DeviceState> devices() {
        return devices.devices();
    }

    /** A candidate came back (figures or failure); recorded and told to the strategy when run. */
    private final class Finished implements Runnable {
        final long id;
        final DeviceMeasurement result;
        final Throwable error;
        final SearchStrategy strategy;

        Finished(long id, DeviceMeasurement result, Throwable error, SearchStrategy strategy) {
            this.id = id;
            this.result = result;
            this.error = error;
            this.strategy = strategy;
        }

        @Override
        public void run() {
            Genome genome = inFlight.remove(id);
            double seconds = (System.nanoTime() - submittedAt.remove(id)) / 1e9;
            measured++;
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!sessionRecorded && devices.firstSession() != null) {
                // The study's machine is a device's, not this desktop's; the devices of a pool match in what matters.
                store.recordOutputKind(devices.firstSession().outputKind());
                if (devices.firstSession().machine() != null) store.recordMachine(devices.firstSession().machine());
                sessionRecorded = true;
            }
            if (cause == null) {
                Measurement m = result.measurement();
                runner.phases().add("latency", m.latencySeconds());
                runner.phases().add("quality", m.qualitySeconds());
                store.recordDone(id, TrialResult.of(m, seconds));
                store.recordDevice(id, result.device());
                Study now = runner.study();
                CandidateRecord done = now.trial(id).orElseThrow();
                strategy.tell(genome, now.objectives(done), now.constraintValues(done));
            } else {
                String why = cause instanceof CandidateFailedException ? cause.getMessage() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
                store.recordFailed(id, why);
                listener.message("candidate " + id + " failed: " + why);
                strategy.tell(genome, SearchRunner.FAILED, runner.config().constraints().failed());
            }
        }
    }

    private void submit(CandidateRecord c, SearchStrategy strategy) {
        store.markRunning(c.id());
        Genome genome = GenomeJson.read(c.genomeJson());
        inFlight.put(c.id(), genome);
        submittedAt.put(c.id(), System.nanoTime());
        devices.submit(c.id(), c.genomeJson()).whenComplete((r, e) -> events.add(new Finished(c.id(), r, e, strategy)));
    }

    private void recordReference(String device, Measurement m) {
        ReferenceRun r = store.recordReference(measured, TrialResult.reference(m), device);
        listener.referenceMeasured(r, new DriftCorrection(store.references()));
    }

    private String describeDevices() {
        return String.join(", ", devices.devices().stream().map(d -> d.name() + " " + d.state() + (d.reason() == null ? "" : ": " + d.reason())).toList());
    }

    /** Runs what arrived (messages, references) without waiting. */
    private void drain() {
        for (Runnable e; (e = events.poll()) != null; ) if (!(e instanceof Finished)) e.run();
    }

    @Override
    public void close() {
        devices.close();
    }
}
