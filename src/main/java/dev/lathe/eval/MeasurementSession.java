package dev.lathe.eval;

import ai.onnxruntime.OrtException;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.ModelImage;
import dev.lathe.model.OnnxModel;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The measuring side of a study, in whatever process runs it: loads the original once, rebuilds the evaluation
 * samples from the setup, computes the original's outputs once, then measures one candidate after another
 * and re-measures the original on demand (the drift reference).
 */
public final class MeasurementSession {
    private final MeasurementSetup setup;
    private final ModelEvaluator evaluator;
    private final SessionInfo info;

    private MeasurementSession(MeasurementSetup setup, ModelEvaluator evaluator, SessionInfo info) {
        this.setup = setup;
        this.evaluator = evaluator;
        this.info = info;
    }

    public static MeasurementSession open(MeasurementSetup setup) throws OrtException {
        ExecutionProviders.require(setup.provider());
        // The graph only: the original runs from its file (ModelImage), so a model with external data costs this process no heap.
        OnnxModel original = OnnxModel.loadGraph(Path.of(setup.originalModel()));
        EvaluationData.Split split = EvaluationData.resolve(original, setup.dataPath() == null ? null : Path.of(setup.dataPath()),
                setup.tokenizerPath() == null ? null : Path.of(setup.tokenizerPath()), setup.inputShapes(), setup.imagePreprocessing());
        ModelEvaluator evaluator = new ModelEvaluator(original, split.evaluation(), setup.inputShapes(), setup.runnerSettings(),
                setup.protocol(), setup.clock(), setup.withQuality());
        if (setup.peakMemory()) evaluator.warmUp();
        String kind = evaluator.quality() == null ? null : evaluator.quality().kind().name().toLowerCase(Locale.ROOT);
        SessionInfo info = new SessionInfo(kind, split.evaluation().description(), split.evaluation().synthetic(),
                split.evaluation().fingerprint(), split.evaluation().size(), MachineInfo.current(), ProcessHandle.current().pid());
        return new MeasurementSession(setup, evaluator, info);
    }

    public SessionInfo info() { return info; }

    public MeasurementSetup setup() { return setup; }

    public ModelEvaluator evaluator() { return evaluator; }

    /** Latency and (if the setup asks) quality of a serialized candidate; parameters are the caller's to fill in. */
    public Measurement measure(byte[] candidate) throws OrtException {
        return measure(ModelImage.of(candidate));
    }

    /** As {@link #measure(byte[])}, for a candidate as bytes or by file (the worker opens each candidate from its file). */
    public Measurement measure(ModelImage candidate) throws OrtException {
        return evaluator.measure(candidate, setup.withQuality(), setup.peakMemory(), setup.qualityFloor());
    }

    /**
     * Where the run time of a serialized model (null: the original) goes, node by node: its whole run timed as
     * candidates are, then ONNX Runtime's profiler on the same input ({@link dev.lathe.eval.profile.NodeProfiler}).
     */
    public dev.lathe.eval.profile.ModelProfile profile(byte[] model) throws OrtException {
        ModelImage original = evaluator.original();
        if (model == null && !original.inMemory())
            throw new IllegalArgumentException("per-node profiling needs the model as one protobuf; " + setup.originalModel() + " is over "
                    + OnnxModel.externalDataThreshold() + " bytes of weights");
        byte[] bytes = model == null ? original.bytes() : model;
        Measurement timed = evaluator.measure(bytes, false, false);
        return new dev.lathe.eval.profile.NodeProfiler(setup.runnerSettings(), setup.protocol()).profile(bytes, evaluator.timingInput(), timed.latency());
    }

    /** The candidate's speed-up over the original, timed interleaved A B B A in this process ({@link dev.lathe.eval.timing.InterleavedComparison}). */
    public dev.lathe.eval.timing.InterleavedComparison.Result confirm(byte[] candidate) throws OrtException {
        return confirm(ModelImage.of(candidate));
    }

    /** As {@link #confirm(byte[])}, for a candidate as bytes or by file. */
    public dev.lathe.eval.timing.InterleavedComparison.Result confirm(ModelImage candidate) throws OrtException {
        return dev.lathe.eval.timing.InterleavedComparison.compare(evaluator.original(), candidate, evaluator.timingInput(), setup.runnerSettings(), setup.clock());
    }

    /** The original's latency again, measured exactly as candidates are. */
    public Measurement reference() throws OrtException {
        return evaluator.measureOriginal(setup.peakMemory());
    }
}
