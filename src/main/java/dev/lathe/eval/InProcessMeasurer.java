package dev.lathe.eval;

import dev.lathe.model.OnnxModel;

/**
 * Measures in the caller's own process: no isolation (a native crash takes the caller down), no start-up
 * cost. For tests and tools that need it; searches use the worker.
 */
public final class InProcessMeasurer implements CandidateMeasurer {
    private final MeasurementSetup setup;
    private MeasurementSession session;

    public InProcessMeasurer(MeasurementSetup setup) {
        this.setup = setup;
    }

    @Override
    public SessionInfo start() {
        if (session == null) {
            try {
                session = MeasurementSession.open(setup);
            } catch (ai.onnxruntime.OrtException e) {
                throw new IllegalStateException("cannot prepare measuring of " + setup.originalModel() + ": " + e.getMessage(), e);
            }
        }
        return session.info();
    }

    @Override
    public Measurement measure(OnnxModel candidate) throws CandidateFailedException {
        start();
        try (dev.lathe.model.ModelImage image = dev.lathe.model.ModelImage.of(candidate)) {
            return session.measure(image).withParameters(candidate.parameterCount());
        } catch (Exception | OutOfMemoryError e) {
            throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public dev.lathe.eval.timing.InterleavedComparison.Result confirm(OnnxModel candidate) throws CandidateFailedException {
        start();
        try (dev.lathe.model.ModelImage image = dev.lathe.model.ModelImage.of(candidate)) {
            return session.confirm(image);
        } catch (Exception | OutOfMemoryError e) {
            throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Measurement measureReference() throws CandidateFailedException {
        start();
        try {
            return session.reference();
        } catch (Exception e) {
            throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean isolated() { return false; }

    @Override
    public void close() {
        session = null;
    }
}
