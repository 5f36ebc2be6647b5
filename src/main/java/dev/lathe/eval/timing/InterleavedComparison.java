package dev.lathe.eval.timing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.lathe.model.ModelImage;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.util.Arrays;
import java.util.Map;

/**
 * A candidate's speed-up over the original timed in one process as single runs in the order A B B A (A the original),
 * cycle after cycle: each cycle's ratio (A1 + A2) / (B1 + B2) compares runs made milliseconds apart, and the ABBA order
 * cancels a linear drift within the cycle, so a machine whose speed wanders during a long search affects both alike.
 * The figure is the median ratio; cycles go on until the 95% interval of that median (from order statistics) is
 * within {@link #TOLERANCE} of it, after at least {@link #MIN_CYCLES} cycles, or until {@link #MAX_CYCLES} or
 * {@link #MAX_SECONDS}. Both models warm up first with {@link #WARMUP_RUNS} runs each.
 */
public final class InterleavedComparison {
    public static final int WARMUP_RUNS = 10;
    public static final int MIN_CYCLES = 30;
    public static final int MAX_CYCLES = 400;
    public static final double MAX_SECONDS = 10;
    public static final double TOLERANCE = 0.01;

    /**
     * What the comparison found: the median ratio of the original's time to the candidate's ({@code speedup}), the
     * 95% interval of that median ({@code low}, {@code high}), the median single-run times of both, the cycles timed,
     * and the clock they were read on.
     */
    public record Result(double speedup, double low, double high, double originalMs, double candidateMs, int cycles, String clock) {}

    private InterleavedComparison() {}

    public static Result compare(byte[] original, byte[] candidate, Map<String, TensorData> input, OrtRunner.RunnerSettings settings,
                                 LatencyClock clock) throws OrtException {
        return compare(ModelImage.of(original), ModelImage.of(candidate), input, settings, clock);
    }

    /** As {@link #compare(byte[], byte[], Map, OrtRunner.RunnerSettings, LatencyClock)}, for models as bytes or by file. */
    public static Result compare(ModelImage original, ModelImage candidate, Map<String, TensorData> input, OrtRunner.RunnerSettings settings,
                                 LatencyClock clock) throws OrtException {
        return LatencyMeter.exclusively(() -> {
            try (OrtRunner a = new OrtRunner(original, settings); OrtRunner b = new OrtRunner(candidate, settings)) {
                Map<String, OnnxTensor> fa = a.toOrt(input), fb = b.toOrt(input);
                try {
                    return timed(a, fa, b, fb, clock);
                } finally {
                    fa.values().forEach(OnnxTensor::close);
                    fb.values().forEach(OnnxTensor::close);
                }
            }
        });
    }

    private static Result timed(OrtRunner a, Map<String, OnnxTensor> fa, OrtRunner b, Map<String, OnnxTensor> fb, LatencyClock clock) throws OrtException {
        for (int i = 0; i < WARMUP_RUNS; i++) {
            a.runPrepared(fa);
            b.runPrepared(fb);
        }
        double[] ratio = new double[MAX_CYCLES], aMs = new double[2 * MAX_CYCLES], bMs = new double[2 * MAX_CYCLES];
        long start = System.nanoTime();
        int n = 0;
        while (n < MAX_CYCLES) {
            double a1 = once(a, fa, clock), b1 = once(b, fb, clock), b2 = once(b, fb, clock), a2 = once(a, fa, clock);
            aMs[2 * n] = a1;
            aMs[2 * n + 1] = a2;
            bMs[2 * n] = b1;
            bMs[2 * n + 1] = b2;
            ratio[n++] = (a1 + a2) / (b1 + b2);
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (elapsed >= MAX_SECONDS) break;
            if (n >= MIN_CYCLES && n % 10 == 0) {
                double[] sorted = Arrays.copyOf(ratio, n);
                Arrays.sort(sorted);
                if (MedianConfidence.relativeHalfWidth(sorted, n, 0.95) <= TOLERANCE) break;
            }
        }
        double[] sorted = Arrays.copyOf(ratio, n);
        Arrays.sort(sorted);
        int[] ranks = MedianConfidence.ranks(n, 0.95);
        if (ranks == null) ranks = new int[] {0, n - 1}; // too few cycles for the interval (a very slow model): their range
        return new Result(LatencyStats.percentile(sorted, n, 50), sorted[ranks[0]], sorted[ranks[1]], median(aMs, 2 * n), median(bMs, 2 * n), n, clock.id());
    }

    private static double once(OrtRunner r, Map<String, OnnxTensor> feeds, LatencyClock clock) throws OrtException {
        if (clock == LatencyClock.CPU) {
            long c0 = LatencyMeter.processCpuNanos();
            r.runPrepared(feeds);
            return (LatencyMeter.processCpuNanos() - c0) / 1e6;
        }
        long t0 = System.nanoTime();
        r.runPrepared(feeds);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] v, int n) {
        double[] s = Arrays.copyOf(v, n);
        Arrays.sort(s);
        return LatencyStats.percentile(s, n, 50);
    }
}
