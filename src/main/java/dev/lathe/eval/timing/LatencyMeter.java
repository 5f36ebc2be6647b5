package dev.lathe.eval.timing;

import dev.lathe.eval.MachineInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.lathe.model.ModelImage;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Measures inference latency with ONNX Runtime under a {@link TimingProtocol}: warm-up until the timings
 * settle, then timed samples until the median is known to within the tolerance or a cap is reached. A sample is
 * a batch of consecutive runs lasting at least {@link #MIN_SAMPLE_MS} (one run for most models; the batch size
 * is chosen during the warm-up and kept for the timed samples) and records the time per run. Every sample is read on both clocks; the protocol (settling, the interval, the time caps) follows the chosen
 * {@link LatencyClock}. Under CPU time the caps count CPU seconds spent, so how long a candidate is timed does
 * not depend on how busy the machine is; a wall-clock backstop of {@link #CPU_CLOCK_WALL_FACTOR} times the cap
 * still ends a measurement starved of CPU. A
 * process-wide lock and a file lock keep two measurements on one machine (two searches, a search and a bench)
 * from ever running at once and disturbing each other.
 */
public final class LatencyMeter {
    private static final ReentrantLock MEASURING = new ReentrantLock();
    /** ONNX Runtime's session runs operators one after another (see {@link OrtRunner}). */
    public static final int INTER_OP_THREADS = 1;

    /** Under the CPU clock, wall time may exceed the protocol's caps this many times before timing stops anyway. */
    public static final double CPU_CLOCK_WALL_FACTOR = 3;

    /**
     * A timed sample lasts at least this long: a run of a model in microseconds is timed as the mean of a batch
     * of runs, because one run alone is not resolved against two clock reads and the call into ONNX Runtime.
     */
    public static final double MIN_SAMPLE_MS = 1.0;
    static final int MAX_RUNS_PER_SAMPLE = 100_000;

    private final OrtRunner.RunnerSettings settings;
    private final TimingProtocol protocol;
    private final LatencyClock clock;
    private final String machine;

    public LatencyMeter(OrtRunner.RunnerSettings settings, TimingProtocol protocol) {
        this(settings, protocol, LatencyClock.WALL);
    }

    public LatencyMeter(OrtRunner.RunnerSettings settings, TimingProtocol protocol, LatencyClock clock) {
        if (clock == LatencyClock.CPU && ProcessCpuClock.nanos() < 0)
            throw new IllegalStateException("this system cannot read the process's CPU time; time on the wall clock instead");
        this.settings = settings;
        this.protocol = protocol;
        this.clock = clock;
        this.machine = MachineInfo.current().summary();
    }

    public LatencyClock clock() { return clock; }

    public OrtRunner.RunnerSettings settings() { return settings; }

    public TimingProtocol protocol() { return protocol; }

    public LatencyRun measure(OnnxModel model, Map<String, TensorData> input) throws OrtException {
        try (ModelImage image = ModelImage.of(model)) {
            return measure(image, input);
        }
    }

    /** Times a model already serialized (the measuring loop serializes each candidate once). */
    public LatencyRun measure(byte[] model, Map<String, TensorData> input) throws OrtException {
        return measure(ModelImage.of(model), input);
    }

    /** Times a model as bytes or by file (one too large for one protobuf). */
    public LatencyRun measure(ModelImage model, Map<String, TensorData> input) throws OrtException {
        try (OrtRunner runner = new OrtRunner(model, settings)) {
            return measure(runner, input);
        }
    }

    /**
     * Times a model already loaded into {@code runner} (made with this meter's settings), which the caller keeps: the
     * measuring loop scores quality on the same session afterwards instead of loading the candidate twice.
     */
    public LatencyRun measure(OrtRunner runner, Map<String, TensorData> input) throws OrtException {
        MEASURING.lock();
        try (MachineLock ignored = MachineLock.acquire()) {
            Map<String, OnnxTensor> feeds = runner.toOrt(input);
            try {
                boolean cpuClock = clock == LatencyClock.CPU;
                double[] warmup = new double[protocol.maxWarmupRuns()];
                int w = 0, warmupInferences = 0, batch = 1;
                long start = System.nanoTime(), cpuStart = processCpuNanos();
                // Warm-up samples are batches too, sized from the samples before them, so a model that runs in
                // microseconds warms up for milliseconds (long enough for the JIT to compile the calling code) and
                // settling is judged on samples as long as the timed ones.
                do {
                    long c0 = cpuClock ? processCpuNanos() : 0;
                    long t0 = System.nanoTime();
                    for (int r = 0; r < batch; r++) runner.runPrepared(feeds);
                    long t1 = System.nanoTime();
                    warmup[w++] = (cpuClock ? (processCpuNanos() - c0) / 1e6 : (t1 - t0) / 1e6) / batch;
                    warmupInferences += batch;
                    batch = runsPerSample(warmup, w);
                } while (!protocol.warmupDone(warmup, w, elapsed(start, cpuStart)));
                boolean settled = protocol.settled(warmup, w);

                double[] samples = new double[protocol.maxRuns()];
                double[] cpu = new double[protocol.maxRuns()];
                double[] timed = cpuClock ? cpu : samples; // what the protocol judges
                int n = 0;
                boolean converged = false;
                // Sorting for the interval costs more than a tiny model's run: check after every ~5% more samples.
                int nextCheck = protocol.minRuns();
                start = System.nanoTime();
                cpuStart = processCpuNanos();
                double elapsed;
                while (true) {
                    long c0 = processCpuNanos();
                    long t0 = System.nanoTime();
                    for (int r = 0; r < batch; r++) runner.runPrepared(feeds);
                    samples[n] = (System.nanoTime() - t0) / 1e6 / batch;
                    cpu[n++] = c0 < 0 ? Double.NaN : (processCpuNanos() - c0) / 1e6 / batch;
                    elapsed = elapsed(start, cpuStart);
                    if (n >= protocol.maxRuns() || elapsed >= protocol.maxSeconds()) break;
                    if (n >= nextCheck && elapsed >= protocol.minSeconds()) {
                        if (protocol.converged(timed, n)) { converged = true; break; }
                        nextCheck = n + Math.max(1, n / 20);
                    }
                }
                if (!converged) converged = protocol.converged(timed, n);
                double[] taken = Arrays.copyOf(samples, n);
                LatencyStats.Settings s = new LatencyStats.Settings(settings.intraOpThreads(), INTER_OP_THREADS, settings.provider(),
                        settings.optimizationLevel(), shapeOf(input), machine);
                double[] cpuTaken = Double.isNaN(cpu[0]) ? null : Arrays.copyOf(cpu, n);
                return new LatencyRun(LatencyStats.of(clock, taken, cpuTaken, warmupInferences, settled, converged, elapsed, s).withRunsPerSample(batch), taken, cpuTaken);
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        } finally {
            MEASURING.unlock();
        }
    }

    /** Timed work other than {@link #measure} (the node profiler) under the same one-measurement-per-machine rule. */
    public static <T> T exclusively(TimedWork<T> work) throws OrtException {
        MEASURING.lock();
        try (MachineLock ignored = MachineLock.acquire()) {
            return work.run();
        } finally {
            MEASURING.unlock();
        }
    }

    @FunctionalInterface
    public interface TimedWork<T> {
        T run() throws OrtException;
    }

    /**
     * Runs per sample, from the last warm-up samples (the timed phase keeps the one the warm-up ended with): enough that a sample lasts
     * {@link #MIN_SAMPLE_MS}, so the clock reads and the call overhead are a small share of what is timed.
     */
    static int runsPerSample(double[] warmup, int n) {
        int window = Math.min(n, 5);
        double[] last = Arrays.copyOfRange(warmup, n - window, n);
        Arrays.sort(last);
        double perRun = LatencyStats.percentile(last, window, 50);
        if (!(perRun > 0)) return MAX_RUNS_PER_SAMPLE;
        return (int) Math.clamp(Math.ceil(MIN_SAMPLE_MS / perRun), 1, MAX_RUNS_PER_SAMPLE);
    }

    /**
     * Seconds the protocol counts: wall time, or under the CPU clock the CPU time spent, unless wall time has
     * already run past the backstop (then the caps are reached at once).
     */
    private double elapsed(long wallStart, long cpuStart) {
        double wall = (System.nanoTime() - wallStart) / 1e9;
        if (clock != LatencyClock.CPU) return wall;
        double cpu = (processCpuNanos() - cpuStart) / 1e9;
        return wall >= CPU_CLOCK_WALL_FACTOR * protocol.maxSeconds() ? Math.max(cpu, wall) : cpu;
    }

    /**
     * The same rule across processes: a desktop search and a command-line search on one machine take turns.
     * The operating system releases the lock if a process dies holding it.
     */
    private record MachineLock(java.nio.channels.FileChannel channel, java.nio.channels.FileLock lock) implements AutoCloseable {
        static MachineLock acquire() {
            try {
                java.nio.file.Path f = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "lathe-measurement.lock");
                var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                return new MachineLock(ch, ch.lock());
            } catch (java.io.IOException e) {
                return new MachineLock(null, null); // no writable temp folder: fall back to the in-process lock alone
            }
        }

        @Override
        public void close() {
            try {
                if (lock != null) lock.release();
                if (channel != null) channel.close();
            } catch (java.io.IOException ignored) {
                // releasing is best effort; closing the channel frees the lock anyway
            }
        }
    }

    /** CPU time of this whole process (ONNX Runtime's pool threads included) in nanoseconds, or -1 where it cannot be read. */
    public static long processCpuNanos() {
        return ProcessCpuClock.nanos();
    }

    static String shapeOf(Map<String, TensorData> input) {
        StringBuilder sb = new StringBuilder();
        input.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(Arrays.toString(v.shape())));
        return sb.toString();
    }
}
