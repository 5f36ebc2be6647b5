package dev.lathe.eval;

import dev.lathe.eval.quality.QualityReport;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.timing.PeakMemory;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.timing.LatencyRun;
import dev.lathe.eval.timing.LatencyMeter;
import dev.lathe.eval.timing.LatencyClock;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.InputShapes;
import dev.lathe.model.ModelImage;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures candidates of one original model the same way every time: latency at the timing shape, quality on
 * the evaluation samples against the original's outputs, size and parameters. Runs in whatever process holds
 * it: the measurement worker in a search, the caller's own process in tests and tools.
 */
public final class ModelEvaluator {
    private final QualityEvaluator quality;
    private final LatencyMeter meter;
    private final Map<String, TensorData> timingInput;
    /** The original as ONNX Runtime opens it: bytes, or its own file when its weights are over the external-data threshold. */
    private final ModelImage originalImage;

    public ModelEvaluator(OnnxModel original, Dataset evaluation, InputShapes timingShape, OrtRunner.RunnerSettings settings,
                          TimingProtocol protocol) throws OrtException {
        this(original, evaluation, timingShape, settings, protocol, true);
    }

    /** Without {@code withQuality} only latency is measured and the original's outputs are never computed (bench). */
    public ModelEvaluator(OnnxModel original, Dataset evaluation, InputShapes timingShape, OrtRunner.RunnerSettings settings,
                          TimingProtocol protocol, boolean withQuality) throws OrtException {
        this(original, evaluation, timingShape, settings, protocol, LatencyClock.WALL, withQuality);
    }

    /** Latency timed and reported on {@code clock}. */
    public ModelEvaluator(OnnxModel original, Dataset evaluation, InputShapes timingShape, OrtRunner.RunnerSettings settings,
                          TimingProtocol protocol, LatencyClock clock, boolean withQuality) throws OrtException {
        this.quality = withQuality ? new QualityEvaluator(original, evaluation, settings) : null;
        this.meter = new LatencyMeter(settings, protocol, clock);
        this.timingInput = timingInput(original, evaluation, timingShape);
        this.originalImage = ModelImage.of(original);
    }

    /** The original as this evaluator runs it (the reference of {@link dev.lathe.eval.timing.InterleavedComparison}). */
    public ModelImage original() { return originalImage; }

    /** Null when built without quality. */
    public QualityEvaluator quality() { return quality; }

    public Map<String, TensorData> timingInput() { return timingInput; }

    public Measurement measure(OnnxModel candidate) throws OrtException {
        try (ModelImage image = ModelImage.of(candidate)) {
            return measure(image, true, false, null).withParameters(candidate.parameterCount());
        }
    }

    /**
     * Times (and scores, when asked and possible) a serialized model; parameters are left at 0 for the caller.
     * With {@code peakMemory} the figure is the resident memory this model needed above what the process held
     * before loading it ({@link PeakMemory.Window}), so it does not depend on what was measured before.
     */
    public Measurement measure(byte[] bytes, boolean withQuality, boolean peakMemory) throws OrtException {
        return measure(bytes, withQuality, peakMemory, null);
    }

    /** As {@link #measure(byte[], boolean, boolean)}, scoring stopped once the model certainly ends below {@code qualityFloor} (null: never). */
    public Measurement measure(byte[] bytes, boolean withQuality, boolean peakMemory, Double qualityFloor) throws OrtException {
        return measure(ModelImage.of(bytes), withQuality, peakMemory, qualityFloor);
    }

    /** As {@link #measure(byte[], boolean, boolean, Double)}, for a model as bytes or by file (one too large for one protobuf). */
    public Measurement measure(ModelImage model, boolean withQuality, boolean peakMemory, Double qualityFloor) throws OrtException {
        long t0 = System.nanoTime();
        PeakMemory.Window window = peakMemory ? PeakMemory.open() : null;
        LatencyRun latency;
        QualityReport q = null;
        long t1, t2;
        // One session for both: loading a MiniLM candidate takes about a second, and the quality run needs the same session options.
        try (OrtRunner runner = new OrtRunner(model, meter.settings())) {
            latency = meter.measure(runner, timingInput);
            t1 = System.nanoTime();
            if (withQuality && quality != null) q = quality.evaluate(runner, qualityFloor);
            t2 = System.nanoTime();
        }
        Long peakBytes = window == null ? null : window.peakAboveBaseline();
        return new Measurement(latency.stats(), q, model.sizeBytes(), 0, (t2 - t0) / 1e9, latency.samplesMs(), peakBytes, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                latency.cpuSamplesMs());
    }

    /**
     * Runs the measuring code once, untimed, on the original: the first measurement in a process otherwise also
     * pays for loading and compiling that code, which peak memory would charge to whichever candidate came first.
     */
    public void warmUp() throws OrtException {
        new LatencyMeter(meter.settings(), TimingProtocol.WARM_UP, meter.clock()).measure(originalImage, timingInput);
    }

    /** Times the original model again: the reference that drift correction divides by. */
    public Measurement measureOriginal(boolean peakMemory) throws OrtException {
        return measure(originalImage, false, peakMemory, null);
    }

    /**
     * The input timed for latency: real samples stacked to the batch size when they all share a fixed shape
     * (images, tabular rows); otherwise synthetic tokens at exactly the requested batch and sequence length,
     * which is what latency of a dense transformer depends on.
     */
    public static Map<String, TensorData> timingInput(OnnxModel model, Dataset data, InputShapes shape) {
        List<ValueInfoProto> inputs = InputShapes.realInputs(model.proto().getGraph());
        boolean fixedPerSample = !data.synthetic() && inputs.stream().allMatch(v -> v.getType().getTensorType().getElemType() == TensorProto.DataType.FLOAT_VALUE);
        if (!fixedPerSample || data.size() == 0) return SyntheticInputs.generate(model, shape, 1234);
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (ValueInfoProto v : inputs) {
            TensorData first = data.samples().get(0).get(v.getName());
            int per = first.size();
            float[] stacked = new float[per * shape.batch()];
            for (int b = 0; b < shape.batch(); b++)
                System.arraycopy(data.samples().get(b % data.size()).get(v.getName()).floats(), 0, stacked, b * per, per);
            long[] dims = first.shape().clone();
            dims[0] = shape.batch();
            out.put(v.getName(), TensorData.ofFloats(dims, stacked));
        }
        return out;
    }
}
