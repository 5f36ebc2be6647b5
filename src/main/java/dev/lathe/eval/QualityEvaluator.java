package dev.lathe.eval;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares a candidate's first output with the original model's on the same samples. The original's outputs
 * are computed once. Embedders (a rank-3 output beside an attention mask) are mean-pooled over real tokens
 * first, as sentence-transformers does, so the comparison is of the embeddings users actually consume.
 */
public final class QualityEvaluator {
    public enum OutputKind { CLASSIFIER, EMBEDDING, FLOAT }

    private final Dataset data;
    private final String outputName;
    private final OutputKind kind;
    private final String maskInput;
    private final List<float[]> reference;
    private final OrtRunner.RunnerSettings settings;

    public QualityEvaluator(OnnxModel original, Dataset data, OrtRunner.RunnerSettings settings) throws OrtException {
        this.data = data;
        this.settings = settings;
        ValueInfoProto out = original.proto().getGraph().getOutput(0);
        this.outputName = out.getName();
        this.maskInput = InputShapes.realInputs(original.proto().getGraph()).stream().map(ValueInfoProto::getName)
                .filter(n -> n.toLowerCase(Locale.ROOT).contains("mask")).findFirst().orElse(null);
        int rank = out.getType().getTensorType().getShape().getDimCount();
        String lower = outputName.toLowerCase(Locale.ROOT);
        if (rank == 3 && maskInput != null) kind = OutputKind.EMBEDDING;
        else if (rank == 2 && (data.hasLabels() || lower.contains("logit") || lower.contains("prob") || lower.contains("class"))) kind = OutputKind.CLASSIFIER;
        else kind = OutputKind.FLOAT;
        this.reference = outputs(original.toBytes());
    }

    public OutputKind kind() { return kind; }

    public Dataset data() { return data; }

    public QualityReport evaluate(OnnxModel candidate) throws OrtException {
        return evaluate(candidate.toBytes());
    }

    /** Scores a model already serialized (the measuring loop serializes each candidate once). */
    public QualityReport evaluate(byte[] candidate) throws OrtException {
        List<float[]> got = outputs(candidate);
        int n = got.size();
        if (kind == OutputKind.CLASSIFIER) {
            int agree = 0, correct = 0;
            for (int i = 0; i < n; i++) {
                int p = argmax(got.get(i));
                if (p == argmax(reference.get(i))) agree++;
                if (data.hasLabels() && p == data.labels()[i]) correct++;
            }
            Double acc = data.hasLabels() ? (double) correct / n : null;
            return new QualityReport("top1_agreement", (double) agree / n, (double) agree / n, acc, n);
        }
        double sum = 0, worst = 1;
        for (int i = 0; i < n; i++) {
            double c = TensorData.cosine(reference.get(i), got.get(i));
            sum += c;
            worst = Math.min(worst, c);
        }
        return new QualityReport("cosine", sum / n, worst, null, n);
    }

    private List<float[]> outputs(byte[] model) throws OrtException {
        List<float[]> out = new ArrayList<>(data.size());
        try (OrtRunner runner = new OrtRunner(model, settings)) {
            for (Map<String, TensorData> sample : data.samples()) {
                Map<String, TensorData> result = runner.run(sample);
                // Models from other tools (ONNX Runtime's own int8 export) may rename outputs: fall back to the first.
                TensorData y = result.containsKey(outputName) ? result.get(outputName) : result.values().stream().findFirst().orElse(null);
                if (y == null || !y.isFloat()) throw new IllegalStateException("model has no float output '" + outputName + "'");
                out.add(kind == OutputKind.EMBEDDING ? meanPool(y, sample.get(maskInput)) : y.floats());
            }
        }
        return out;
    }

    /** Mean over positions whose attention mask is 1, for batch 1: [1, seq, hidden] -> [hidden]. */
    static float[] meanPool(TensorData hidden, TensorData mask) {
        int seq = (int) hidden.shape()[1], dim = (int) hidden.shape()[2];
        float[] pooled = new float[dim];
        int count = 0;
        for (int t = 0; t < seq; t++) {
            if (mask != null && mask.longs()[t] == 0) continue;
            count++;
            for (int d = 0; d < dim; d++) pooled[d] += hidden.floats()[t * dim + d];
        }
        for (int d = 0; d < dim; d++) pooled[d] /= Math.max(1, count);
        return pooled;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
