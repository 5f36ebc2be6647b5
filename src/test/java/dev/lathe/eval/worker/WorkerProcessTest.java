package dev.lathe.eval.worker;

import dev.lathe.TestModels;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.InProcessMeasurer;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.model.OnnxModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The measurement worker for real: a child JVM measuring the digits MLP, and candidates that make ONNX
 * Runtime refuse them, exhaust the worker's heap, crash it natively or hang it. Each failure names its
 * reason, and the next candidate is measured by a working (if need be new) worker.
 */
@Tag("slow")
class WorkerProcessTest {
    static MeasurementSetup digits() {
        return new MeasurementSetup(TestModels.digitsMlp().toAbsolutePath().toString(),
                TestModels.samples().resolve("digits-mlp/test.csv").toAbsolutePath().toString(), null, 1, 1, Map.of(), 1, "cpu", "all",
                TimingProtocol.QUICK, true, true);
    }

    static WorkerProcess.Options options(double requestSeconds, String heap, String... jvmArgs) {
        return new WorkerProcess.Options(heap, 120, requestSeconds, List.of(jvmArgs));
    }

    @Test
    void aWorkerMeasuresExactlyWhatTheCallersProcessWould() throws Exception {
        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        Measurement isolated;
        try (WorkerMeasurer w = new WorkerMeasurer(digits(), options(120, "256m"), null)) {
            assertEquals("classifier", w.start().outputKind());
            assertNotEquals(ProcessHandle.current().pid(), w.start().pid(), "measured in another process");
            isolated = w.measure(mlp);
        }
        Measurement local;
        try (InProcessMeasurer in = new InProcessMeasurer(digits())) {
            local = in.measure(mlp);
        }
        assertEquals(local.quality(), isolated.quality(), "same samples, same model, same scores");
        assertEquals(527 / 540.0, isolated.quality().quality(), 1e-12);
        assertEquals(mlp.parameterCount(), isolated.parameters());
        assertEquals(isolated.latency().runs(), isolated.latencySamplesMs().length, "every timed sample comes back");
        assertTrue(isolated.latency().medianMs() > 0);
        assertTrue(isolated.latency().cpuMedianMs() > 0, "CPU time per run is read to the nanosecond, not in 10 ms ticks");
        assertEquals("cpu", isolated.latency().provider());
        assertEquals(1, isolated.latency().threads());
        assertEquals("input=[1, 64]", isolated.latency().shape());
        assertNotNull(isolated.latency().machine());
        if (System.getProperty("os.name").startsWith("Linux"))
            assertTrue(isolated.peakMemoryBytes() != null && isolated.peakMemoryBytes() < 16L << 20,
                    "the MLP's own peak above the worker's baseline, not the worker's whole resident size: " + isolated.peakMemoryBytes());
    }

    @Test
    void aModelOnnxRuntimeRefusesFailsWithItsErrorAndTheWorkerStays() throws Exception {
        try (WorkerMeasurer w = new WorkerMeasurer(digits(), options(120, "256m"), null)) {
            w.start();
            long pid = w.process().pid();
            CandidateFailedException e = assertThrows(CandidateFailedException.class, () -> w.measure(PoisonModels.customOperator()));
            assertEquals(CandidateFailedException.Kind.ERROR, e.kind());
            assertTrue(e.getMessage().contains("Frobnicate"), e.getMessage());
            assertEquals(527 / 540.0, w.measure(OnnxModel.load(TestModels.digitsMlp())).quality().quality(), 1e-12);
            assertEquals(pid, w.process().pid(), "an error is not a death: the same worker goes on");
            assertEquals(1, w.process().starts());
        }
    }

    @Tag("slow")
    @Test
    void aCandidateThatExhaustsTheHeapKillsOnlyTheWorker() throws Exception {
        try (WorkerMeasurer w = new WorkerMeasurer(digits(), options(120, "64m"), null)) {
            w.start();
            CandidateFailedException e = assertThrows(CandidateFailedException.class, () -> w.measure(PoisonModels.huge(96)));
            assertEquals(CandidateFailedException.Kind.CRASHED, e.kind());
            assertTrue(e.getMessage().contains("exit code 3 (out of memory)"), e.getMessage());
            assertTrue(e.getMessage().contains("OutOfMemoryError"), "the worker's last words are kept: " + e.getMessage());
            assertEquals(527 / 540.0, w.measure(OnnxModel.load(TestModels.digitsMlp())).quality().quality(), 1e-12);
            assertEquals(2, w.process().starts(), "a fresh worker measured the next candidate");
        }
    }

    @Tag("slow")
    @Test
    void aNativeCrashIsReportedWithTheExitCodeAndTheWorkerReplaced() throws Exception {
        try (WorkerMeasurer w = new WorkerMeasurer(digits(), options(120, "256m", "-D" + MeasurementWorker.TEST_HOOKS_PROPERTY + "=true"), null)) {
            w.start();
            java.nio.file.Path report = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "lathe-worker-crash-" + w.process().pid() + ".log");
            CandidateFailedException e = assertThrows(CandidateFailedException.class, () -> w.process().crash("native"));
            assertTrue(e.getMessage().contains(report.toString()), "the JVM's crash report is named: " + e.getMessage());
            java.nio.file.Files.deleteIfExists(report);
            assertEquals(CandidateFailedException.Kind.CRASHED, e.kind());
            assertTrue(e.getMessage().startsWith("the measurement worker crashed natively with exit code"), e.getMessage());
            assertTrue(e.getMessage().contains("SIGSEGV"), "the signal is named: " + e.getMessage());
            assertEquals(527 / 540.0, w.measure(OnnxModel.load(TestModels.digitsMlp())).quality().quality(), 1e-12);
            assertEquals(2, w.process().starts());
        }
    }

    @Test
    void aHangingCandidateTimesOutAndTheWorkerIsReplaced() throws Exception {
        try (WorkerMeasurer w = new WorkerMeasurer(digits(), options(8, "256m"), null)) {
            w.start();
            long hung = w.process().pid();
            CandidateFailedException e = assertThrows(CandidateFailedException.class, () -> w.measure(PoisonModels.endlessLoop()));
            assertEquals(CandidateFailedException.Kind.TIMED_OUT, e.kind());
            assertTrue(e.getMessage().startsWith("timed out after 8 s"), e.getMessage());
            assertFalse(ProcessHandle.of(hung).map(ProcessHandle::isAlive).orElse(false), "the hung worker was killed");
            assertEquals(527 / 540.0, w.measure(OnnxModel.load(TestModels.digitsMlp())).quality().quality(), 1e-12);
        }
    }

    @Test
    void crashRequestsNeedTheTestProperty() {
        try (WorkerMeasurer w = new WorkerMeasurer(digits(), options(120, "256m"), null)) {
            w.start();
            CandidateFailedException e = assertThrows(CandidateFailedException.class, () -> w.process().crash("exit"));
            assertEquals(CandidateFailedException.Kind.ERROR, e.kind());
            assertTrue(e.getMessage().contains("for tests only"), e.getMessage());
            assertEquals(1, w.process().starts());
        }
    }
}
