package dev.lathe.eval;

import dev.lathe.model.OnnxModel;

/**
 * Measures the candidates of one study one at a time, and the original again on demand. The search uses a
 * {@link dev.lathe.eval.worker.WorkerMeasurer} (a child JVM, so a candidate that crashes ONNX Runtime takes
 * only the worker down); {@link InProcessMeasurer} measures in the caller's process for tests and tools.
 */
public interface CandidateMeasurer extends AutoCloseable {
    /** Prepares (loads the original and the data) if not done yet and says what was found. */
    SessionInfo start();

    Measurement measure(OnnxModel candidate) throws CandidateFailedException;

    /**
     * The candidate's speed-up over the original timed interleaved, A B B A, in the measuring process
     * ({@link dev.lathe.eval.timing.InterleavedComparison}): the confirmation of a front candidate.
     */
    default dev.lathe.eval.timing.InterleavedComparison.Result confirm(OnnxModel candidate) throws CandidateFailedException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot time candidates interleaved");
    }

    /** The original model's latency now, for drift correction. */
    Measurement measureReference() throws CandidateFailedException;

    /** Whether measurements come from a separate process. */
    boolean isolated();

    @Override
    void close();
}
