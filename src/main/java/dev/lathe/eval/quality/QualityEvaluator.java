package dev.lathe.eval.quality;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.DecoderModel;
import dev.lathe.model.InputShapes;
import dev.lathe.model.ModelImage;
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
 * A rank-2 output is a classifier when the data is labelled, its name says so (logits, probabilities, classes)
 * or the original's rows are probability distributions; classifiers are scored with {@link FidelityMetrics#classifier},
 * everything else by cosine similarity. A decoder-only language model ({@link DecoderModel#isDecoder}) is run over each
 * sample's whole token sequence from an empty cache and scored per position with {@link NextTokenMetrics}: next-token
 * agreement (the figure the search optimises), KL divergence and perplexity.
 */
public final class QualityEvaluator {
    public enum OutputKind { CLASSIFIER, EMBEDDING, FLOAT, LANGUAGE_MODEL }

    private final Dataset data;
    private final String outputName;
    private final OutputKind kind;
    private final boolean probabilities;
    private final String maskInput;
    private final List<float[]> reference;
    private final OrtRunner.RunnerSettings settings;
    /** For a language model: each sample's real tokens, the original's cache inputs and the vocabulary size. */
    private final List<long[]> tokens;
    private final List<ValueInfoProto> cacheInputs;
    private final int vocabulary;

    public QualityEvaluator(OnnxModel original, Dataset data, OrtRunner.RunnerSettings settings) throws OrtException {
        this.data = data;
        this.settings = settings;
        ValueInfoProto out = original.proto().getGraph().getOutput(0);
        this.outputName = out.getName();
        this.maskInput = InputShapes.realInputs(original.proto().getGraph()).stream().map(ValueInfoProto::getName)
                .filter(n -> n.toLowerCase(Locale.ROOT).contains("mask")).findFirst().orElse(null);
        int rank = out.getType().getTensorType().getShape().getDimCount();
        String lower = outputName.toLowerCase(Locale.ROOT);
        boolean decoder = DecoderModel.isDecoder(original);
        boolean embedding = !decoder && rank == 3 && maskInput != null;
        this.tokens = decoder ? sequences(data) : null;
        this.cacheInputs = decoder ? DecoderModel.cacheInputs(original) : List.of();
        this.vocabulary = decoder ? DecoderModel.vocabulary(original) : -1;
        if (decoder && vocabulary <= 0)
            throw new IllegalArgumentException("the decoder's logits do not declare a vocabulary size and no config.json beside it states vocab_size");
        try (ModelImage image = ModelImage.of(original)) {
            this.reference = decoder ? sequenceLogits(image) : outputs(image, embedding);
        }
        this.probabilities = rank == 2 && FidelityMetrics.areProbabilities(reference) && reference.get(0).length > 1;
        if (decoder) kind = OutputKind.LANGUAGE_MODEL;
        else if (embedding) kind = OutputKind.EMBEDDING;
        else if (rank == 2 && (data.hasLabels() || probabilities || lower.contains("logit") || lower.contains("prob") || lower.contains("class"))) kind = OutputKind.CLASSIFIER;
        else kind = OutputKind.FLOAT;
        if (kind == OutputKind.CLASSIFIER && data.hasLabels()) checkLabels();
    }

    /** A label the output has no class for would silently count as wrong on every candidate. */
    private void checkLabels() {
        int classes = reference.isEmpty() ? 0 : reference.get(0).length;
        for (int i = 0; i < data.size(); i++)
            if (data.labels()[i] < 0 || data.labels()[i] >= classes)
                throw new IllegalArgumentException(data.description() + ": label " + data.labels()[i] + " of sample " + (i + 1)
                        + " is out of range: output '" + outputName + "' has " + classes + " classes");
    }

    /** Whether the classifier's outputs are probabilities already (else logits, softmaxed for the KL divergence). */
    public boolean outputsProbabilities() { return probabilities; }

    public OutputKind kind() { return kind; }

    public Dataset data() { return data; }

    public QualityReport evaluate(OnnxModel candidate) throws OrtException {
        try (ModelImage image = ModelImage.of(candidate)) {
            return evaluate(image, null);
        }
    }

    /** Scores a model already serialized (the measuring loop serializes each candidate once). */
    public QualityReport evaluate(byte[] candidate) throws OrtException {
        return evaluate(candidate, null);
    }

    /**
     * As {@link #evaluate(byte[])}, but stops once the candidate certainly ends below {@code floor} on the figure
     * {@link QualityReport#quality()} reports (null: never stops): the figure is a mean of per-sample scores of at
     * most 1 (cosine, agreement, correctness), so after m of n samples with sum S the final mean is at most
     * (S + n - m) / n. Stopping when even that is below the floor never drops a candidate that could still meet it;
     * the report then covers the m samples scored and says so ({@link QualityReport#stoppedEarlyOf()}). A run that
     * is not stopped gives exactly the figures of a full run.
     */
    public QualityReport evaluate(byte[] candidate, Double floor) throws OrtException {
        return evaluate(ModelImage.of(candidate), floor);
    }

    /** As {@link #evaluate(byte[], Double)}, for a model as bytes or by file (one too large for one protobuf). */
    public QualityReport evaluate(ModelImage candidate, Double floor) throws OrtException {
        try (OrtRunner runner = scoring(candidate)) {
            return evaluate(runner, floor);
        }
    }

    /** As {@link #evaluate(byte[], Double)}, on a session already loaded with this evaluator's settings (the caller closes it). */
    public QualityReport evaluate(OrtRunner runner, Double floor) throws OrtException {
        // A language model's figures come from whole sequences; it is always scored in full.
        if (kind == OutputKind.LANGUAGE_MODEL) return NextTokenMetrics.score(reference, sequenceLogits(runner), tokens, vocabulary);
        int n = data.size();
        double[] sum = {0};
        SampleCheck check = floor == null ? null : (i, y) -> {
            sum[0] += sampleScore(i, y);
            int m = i + 1;
            // A hair of slack for the rounding of a cosine of identical vectors, which can land just above 1.
            return m < n && (sum[0] + (n - m) * (1 + 1e-9)) / n < floor;
        };
        List<float[]> got = outputs(runner, kind == OutputKind.EMBEDDING, check);
        boolean stopped = got.size() < n;
        List<float[]> ref = stopped ? reference.subList(0, got.size()) : reference;
        int[] labels = stopped && data.labels() != null ? java.util.Arrays.copyOf(data.labels(), got.size()) : data.labels();
        QualityReport r = kind == OutputKind.CLASSIFIER ? FidelityMetrics.classifier(ref, got, labels, probabilities) : FidelityMetrics.cosine(ref, got);
        return stopped ? r.stoppedEarly(n) : r;
    }

    /** Sample {@code i}'s share of the figure {@link QualityReport#quality()} is the mean of. */
    private double sampleScore(int i, float[] got) {
        if (kind != OutputKind.CLASSIFIER) return TensorData.cosine(reference.get(i), got);
        int predicted = FidelityMetrics.argmax(got);
        if (data.labels() != null) return predicted == data.labels()[i] ? 1 : 0;
        return predicted == FidelityMetrics.argmax(reference.get(i)) ? 1 : 0;
    }

    /** Told each sample's output as it comes; true stops the run there. */
    private interface SampleCheck {
        boolean stop(int index, float[] output);
    }

    private List<float[]> outputs(ModelImage model, boolean pool) throws OrtException {
        try (OrtRunner runner = scoring(model)) {
            return outputs(runner, pool, null);
        }
    }

    private List<float[]> outputs(OrtRunner runner, boolean pool, SampleCheck check) throws OrtException {
        List<float[]> out = new ArrayList<>(data.size());
        {
            for (Map<String, TensorData> sample : data.samples()) {
                Map<String, TensorData> result = runner.run(sample);
                // Models from other tools (ONNX Runtime's own int8 export) may rename outputs: fall back to the first.
                TensorData y = result.containsKey(outputName) ? result.get(outputName) : result.values().stream().findFirst().orElse(null);
                if (y == null || !y.isFloat()) throw new IllegalStateException("model has no float output '" + outputName + "'");
                float[] v = pool ? meanPool(y, sample.get(maskInput)) : y.floats();
                out.add(v);
                if (check != null && check.stop(out.size() - 1, v)) break;
            }
        }
        return out;
    }

    /** Each sample's tokens where its attention mask (if any) is 1. */
    private static List<long[]> sequences(Dataset data) {
        List<long[]> out = new ArrayList<>(data.size());
        for (Map<String, TensorData> sample : data.samples()) {
            TensorData ids = sample.get("input_ids");
            if (ids == null) throw new IllegalArgumentException(data.description() + ": a sample has no input_ids for the decoder");
            TensorData mask = sample.get("attention_mask");
            long[] all = ids.longs();
            // With a cache in the sample the mask also covers the past: its last ids.length entries are these tokens.
            int offset = mask == null ? 0 : mask.longs().length - all.length;
            out.add(java.util.stream.IntStream.range(0, all.length).filter(i -> mask == null || offset < 0 || mask.longs()[offset + i] != 0)
                    .mapToLong(i -> all[i]).toArray());
        }
        return out;
    }

    /** The logits of every position of every sequence, each run from an empty cache. */
    /**
     * A session that only scores (nothing is timed on it). From a file it skips pre-packing: ONNX Runtime then computes
     * from the pages it maps of the external data instead of packing a private copy, so scoring a model over 2 GB in a
     * process that holds its weights (prune, export) does not hold them twice. The outputs are the same.
     */
    private OrtRunner scoring(ModelImage model) throws OrtException {
        if (model.inMemory()) return new OrtRunner(model, settings);
        return new OrtRunner(model, settings, o -> o.addConfigEntry("session.disable_prepacking", "1"));
    }

    private List<float[]> sequenceLogits(ModelImage model) throws OrtException {
        try (OrtRunner runner = scoring(model)) {
            return sequenceLogits(runner);
        }
    }

    private List<float[]> sequenceLogits(OrtRunner runner) throws OrtException {
        List<float[]> out = new ArrayList<>(tokens.size());
        for (long[] seq : tokens) {
            TensorData y = runner.run(DecoderModel.fullSequence(cacheInputs, seq)).get("logits");
            if (y == null || !y.isFloat()) throw new IllegalStateException("decoder has no float output 'logits'");
            out.add(y.floats());
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
        return FidelityMetrics.argmax(v);
    }
}
