package dev.lathe.eval.timing;

import dev.lathe.TestModels;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sample models run in microseconds, below what timing one run at a time resolves: two clock reads and the
 * call into ONNX Runtime are a large share of a run, and the original re-measured as its own drift reference
 * came out 1.29 times faster than itself. A sample is now a batch of runs lasting at least
 * {@link LatencyMeter#MIN_SAMPLE_MS}. How well two measurements then agree is a figure for a benchmark, not a unit
 * test (it depends on the machine's load): {@code bench sample:digits-mlp --repeat 5} prints the spread of medians
 * (docs/benchmarks.md). These tests check the batching itself.
 */
class SubMillisecondTimingTest {
    @Test
    void aSampleOfATinyModelLastsAtLeastAMillisecondAndRecordsTimePerRun() throws Exception {
        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        LatencyRun run = new LatencyMeter(OrtRunner.RunnerSettings.cpu(1), TimingProtocol.QUICK).measure(mlp, input(mlp));
        LatencyStats s = run.stats();
        assertTrue(s.runsPerSample() > 1, "the MLP runs in microseconds: " + s.medianMs() + " ms");
        assertEquals(s.runs(), run.samplesMs().length, "one figure per sample");
        // Per run, not per batch: a sample's figure times its batch size is the sample's length.
        assertTrue(s.medianMs() < 0.5, "time per run, not per batch of " + s.runsPerSample() + ": " + s.medianMs() + " ms");
        assertTrue(s.medianMs() * s.runsPerSample() >= LatencyMeter.MIN_SAMPLE_MS / 2,
                s.runsPerSample() + " runs of " + s.medianMs() + " ms are too short a sample");
        assertTrue(s.timedSeconds() * 1000 >= s.runs() * s.runsPerSample() * s.minMs(), "every run of every batch was timed");
    }

    @Test
    void runsPerSampleIsChosenFromTheSettledEndOfTheWarmUp() {
        // A cold first run of 5 ms, then 10 µs runs: 100 of them fill a millisecond.
        assertEquals(100, LatencyMeter.runsPerSample(new double[] {5, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01}, 7));
        assertEquals(1, LatencyMeter.runsPerSample(new double[] {30, 12, 11, 11, 11, 11}, 6), "a model slower than a millisecond is timed one run a sample");
        assertEquals(3, LatencyMeter.runsPerSample(new double[] {0.4}, 1));
        assertEquals(LatencyMeter.MAX_RUNS_PER_SAMPLE, LatencyMeter.runsPerSample(new double[] {0, 0, 0}, 3), "a run below the clock's resolution");
    }

    private static Map<String, TensorData> input(OnnxModel m) {
        return SyntheticInputs.generate(m, InputShapes.of(1, 1), 1);
    }
}
