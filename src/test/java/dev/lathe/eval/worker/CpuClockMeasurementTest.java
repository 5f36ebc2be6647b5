package dev.lathe.eval.worker;

import dev.lathe.TestModels;
import dev.lathe.eval.InProcessMeasurer;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.timing.TimingProtocol;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Timing on CPU time for real: the digits MLP measured in a worker under the CPU clock reports the median of
 * the CPU time of its runs, keeps the wall-clock median beside it, and sends both sample sets back; under
 * the wall clock the same fields read as before.
 */
@Tag("slow")
class CpuClockMeasurementTest {
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : s[n / 2 - 1] + (s[n / 2] - s[n / 2 - 1]) * 0.5;
    }

    @Test
    void theCpuClockReportsTheMedianOfTheCpuSamplesAndKeepsTheWallMedian() throws Exception {
        Measurement m;
        try (WorkerMeasurer w = new WorkerMeasurer(WorkerProcessTest.digits().withClock(LatencyClock.CPU), WorkerProcessTest.options(120, "256m"), null)) {
            m = w.measureReference();
        }
        LatencyStats s = m.latency();
        assertEquals("cpu", s.clock());
        assertEquals(LatencyClock.CPU, s.latencyClock());
        assertNotNull(m.cpuSamplesMs(), "the CPU time of every run comes back from the worker");
        assertEquals(s.runs(), m.cpuSamplesMs().length);
        assertEquals(s.runs(), m.latencySamplesMs().length);
        assertEquals(median(m.cpuSamplesMs()), s.medianMs(), 0.0, "the reported median is the CPU samples' median");
        assertEquals(s.cpuMedianMs(), s.medianMs(), 0.0);
        assertEquals(median(m.latencySamplesMs()), s.wallMedianMs(), 0.0, "the wall-clock median is kept beside it");
        assertNotEquals(s.wallMedianMs(), s.medianMs(), "two clocks, two figures");
        double[] sortedCpu = m.cpuSamplesMs().clone();
        Arrays.sort(sortedCpu);
        assertEquals(sortedCpu[0], s.minMs(), 0.0, "the other statistics are the CPU samples' too");
        assertTrue(s.ciLowMs() <= s.medianMs() && s.medianMs() <= s.ciHighMs());
    }

    @Test
    void theWallClockReportsTheWallSamplesAsBefore() throws Exception {
        Measurement m;
        try (InProcessMeasurer in = new InProcessMeasurer(WorkerProcessTest.digits())) {
            m = in.measureReference();
        }
        LatencyStats s = m.latency();
        assertEquals("wall", s.clock());
        assertEquals(median(m.latencySamplesMs()), s.medianMs(), 0.0);
        assertEquals(s.medianMs(), s.wallMedianMs(), 0.0);
        assertEquals(median(m.cpuSamplesMs()), s.cpuMedianMs(), 0.0);
    }

    @Test
    void aFigureFromBeforeTheChoiceReadsAsWallClock() throws Exception {
        String old = "{\"medianMs\":2.5,\"p90Ms\":3.0,\"meanMs\":2.6,\"stdMs\":0.1,\"minMs\":2.2,\"runs\":20,\"warmupRuns\":5,\"threads\":1,"
                + "\"provider\":\"cpu\",\"shape\":\"x=[1, 4]\",\"cpuMedianMs\":2.4}";
        LatencyStats s = new com.fasterxml.jackson.databind.ObjectMapper().readValue(old, LatencyStats.class);
        assertEquals(LatencyClock.WALL, s.latencyClock());
        assertEquals(2.5, s.wallMedianMs(), 0.0);
    }

    @Test
    void cpuTimeIsRefusedForAGpuProvider() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MeasurementSetup("m.onnx", null, null, 1, 1, Map.of(), 1,
                "cuda", "all", TimingProtocol.QUICK, false, false, LatencyClock.CPU, null, null));
        assertTrue(e.getMessage().contains("time cuda on the wall clock"), e.getMessage());
    }
}
