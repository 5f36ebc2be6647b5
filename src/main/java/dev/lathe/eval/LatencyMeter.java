package dev.lathe.eval;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Measures inference latency with ONNX Runtime: warm-up runs, then timed runs until both a minimum count and
 * a minimum total time are reached (capped), reporting median and p90. A process-wide lock keeps two
 * measurements from ever running at once and disturbing each other.
 */
public final class LatencyMeter {
    private static final ReentrantLock MEASURING = new ReentrantLock();

    /** Protocol settings; the defaults follow Olive's 10 warm-up / 20 timed runs, with a time floor for tiny models. */
    public record Protocol(int warmupRuns, int minRuns, int maxRuns, double minSeconds, double maxSeconds) {
        public static final Protocol DEFAULT = new Protocol(10, 20, 500, 1.0, 10.0);
        public static final Protocol QUICK = new Protocol(3, 10, 200, 0.3, 3.0);
    }

    private final OrtRunner.RunnerSettings settings;
    private final Protocol protocol;

    public LatencyMeter(OrtRunner.RunnerSettings settings, Protocol protocol) {
        this.settings = settings;
        this.protocol = protocol;
    }

    public OrtRunner.RunnerSettings settings() { return settings; }

    public LatencyStats measure(OnnxModel model, Map<String, TensorData> input) throws OrtException {
        return measure(model.toBytes(), input);
    }

    /** Times a model already serialized (the measuring loop serializes each candidate once). */
    public LatencyStats measure(byte[] model, Map<String, TensorData> input) throws OrtException {
        MEASURING.lock();
        try (MachineLock ignored = MachineLock.acquire(); OrtRunner runner = new OrtRunner(model, settings)) {
            Map<String, OnnxTensor> feeds = runner.toOrt(input);
            try {
                for (int i = 0; i < protocol.warmupRuns(); i++) runner.runPrepared(feeds);
                double[] samples = new double[protocol.maxRuns()];
                int n = 0;
                long start = System.nanoTime();
                while (n < protocol.maxRuns()) {
                    long t0 = System.nanoTime();
                    runner.runPrepared(feeds);
                    samples[n++] = (System.nanoTime() - t0) / 1e6;
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    if ((n >= protocol.minRuns() && elapsed >= protocol.minSeconds()) || elapsed >= protocol.maxSeconds()) break;
                }
                return LatencyStats.of(Arrays.copyOf(samples, n), protocol.warmupRuns(), settings.intraOpThreads(), settings.provider(), shapeOf(input));
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        } finally {
            MEASURING.unlock();
        }
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

    private static String shapeOf(Map<String, TensorData> input) {
        StringBuilder sb = new StringBuilder();
        input.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(Arrays.toString(v.shape())));
        return sb.toString();
    }
}
