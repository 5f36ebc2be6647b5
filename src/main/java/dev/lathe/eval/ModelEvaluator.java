package dev.lathe.eval;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures candidates of one original model the same way every time: latency at the timing shape, quality on
 * the evaluation samples against the original's outputs, size and parameters.
 */
public final class ModelEvaluator {
    private final QualityEvaluator quality;
    private final LatencyMeter meter;
    private final Map<String, TensorData> timingInput;

    public ModelEvaluator(OnnxModel original, Dataset evaluation, InputShapes timingShape, OrtRunner.RunnerSettings settings,
                          LatencyMeter.Protocol protocol) throws OrtException {
        this.quality = new QualityEvaluator(original, evaluation, settings);
        this.meter = new LatencyMeter(settings, protocol);
        this.timingInput = timingInput(original, evaluation, timingShape);
    }

    public QualityEvaluator quality() { return quality; }

    public Map<String, TensorData> timingInput() { return timingInput; }

    public Measurement measure(OnnxModel candidate) throws OrtException {
        long t0 = System.nanoTime();
        byte[] bytes = candidate.toBytes();
        LatencyStats latency = meter.measure(bytes, timingInput);
        QualityReport q = quality.evaluate(bytes);
        return new Measurement(latency, q, bytes.length, candidate.parameterCount(), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The input timed for latency: real samples stacked to the batch size when they all share a fixed shape
     * (images, tabular rows); otherwise synthetic tokens at exactly the requested batch and sequence length,
     * which is what latency of a dense transformer depends on.
     */
    static Map<String, TensorData> timingInput(OnnxModel model, Dataset data, InputShapes shape) {
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
