package dev.lathe.model;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Greedy generation with a decoder exported with its key/value cache as inputs and outputs (Optimum's and
 * torch.onnx's names: {@code input_ids}, {@code attention_mask}, {@code position_ids}, {@code past_key_values.N.key}
 * in, {@code logits}, {@code present.N.key} out), both ways: feeding each step's cache back, and rerunning the whole
 * sequence with an empty cache. A pruned decoder whose cache shapes changed must give the same tokens both ways.
 */
public final class CachedGeneration {
    private final OrtRunner runner;
    private final List<ValueInfoProto> cacheInputs = new ArrayList<>();

    public CachedGeneration(OnnxModel model, OrtRunner runner) {
        this.runner = runner;
        for (ValueInfoProto v : InputShapes.realInputs(model.proto().getGraph())) if (isCache(v.getName())) cacheInputs.add(v);
        if (cacheInputs.isEmpty()) throw new IllegalArgumentException("the model has no key/value cache inputs (past_key_values.N.key/value)");
    }

    /** Whether a model input is a decoder's cache. */
    public static boolean isCache(String input) {
        return input.startsWith("past_key_values") || input.startsWith("past.") || input.contains(".past_key") || input.contains(".past_value");
    }

    /** The name of the output that carries an input's updated cache ({@code past_key_values.0.key} → {@code present.0.key}). */
    public static String presentOf(String input) {
        return input.replaceFirst("^past_key_values", "present").replaceFirst("^past\\.", "present.").replace(".past_", ".present_");
    }

    /** {@code steps} greedy tokens after {@code prompt}, each step reading the cache the previous one wrote. */
    public long[] withCache(long[] prompt, int steps) throws OrtException {
        Map<String, TensorData> cache = new LinkedHashMap<>();
        for (ValueInfoProto v : cacheInputs) cache.put(v.getName(), emptyCache(v));
        int done = 0;
        long[] next = prompt;
        long[] out = new long[steps];
        for (int s = 0; s < steps; s++) {
            Map<String, TensorData> feeds = feeds(next, done, cache);
            Map<String, TensorData> result = runner.run(feeds);
            done += next.length;
            for (ValueInfoProto v : cacheInputs) cache.put(v.getName(), result.get(presentOf(v.getName())));
            out[s] = lastArgmax(result.get("logits"));
            next = new long[] {out[s]};
        }
        return out;
    }

    /** The same tokens computed by rerunning the whole sequence each step with an empty cache. */
    public long[] withoutCache(long[] prompt, int steps) throws OrtException {
        long[] tokens = prompt.clone();
        long[] out = new long[steps];
        for (int s = 0; s < steps; s++) {
            Map<String, TensorData> empty = new LinkedHashMap<>();
            for (ValueInfoProto v : cacheInputs) empty.put(v.getName(), emptyCache(v));
            out[s] = lastArgmax(runner.run(feeds(tokens, 0, empty)).get("logits"));
            tokens = append(tokens, out[s]);
        }
        return out;
    }

    /** Logits of every position of {@code tokens} in one run with an empty cache: [tokens, vocabulary] row-major. */
    public float[] logits(long[] tokens) throws OrtException {
        Map<String, TensorData> empty = new LinkedHashMap<>();
        for (ValueInfoProto v : cacheInputs) empty.put(v.getName(), emptyCache(v));
        return runner.run(feeds(tokens, 0, empty)).get("logits").floats();
    }

    static Map<String, TensorData> feeds(long[] tokens, int past, Map<String, TensorData> cache) {
        Map<String, TensorData> feeds = new LinkedHashMap<>();
        int n = tokens.length;
        feeds.put("input_ids", TensorData.ofLongs(new long[] {1, n}, tokens));
        long[] mask = new long[past + n];
        Arrays.fill(mask, 1);
        feeds.put("attention_mask", TensorData.ofLongs(new long[] {1, past + n}, mask));
        long[] positions = new long[n];
        for (int i = 0; i < n; i++) positions[i] = past + i;
        feeds.put("position_ids", TensorData.ofLongs(new long[] {1, n}, positions));
        feeds.putAll(cache);
        return feeds;
    }

    /** A cache holding no tokens yet: its past-length axis is 0, the other axes as declared (batch 1). */
    static TensorData emptyCache(ValueInfoProto v) {
        var shape = v.getType().getTensorType().getShape();
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            var d = shape.getDim(i);
            dims[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : i == 0 ? 1 : 0;
        }
        return TensorData.ofFloats(dims, new float[0]);
    }

    private static long lastArgmax(TensorData logits) {
        long[] s = logits.shape();
        int vocabulary = (int) s[s.length - 1];
        int from = logits.floats().length - vocabulary;
        int best = 0;
        for (int i = 1; i < vocabulary; i++) if (logits.floats()[from + i] > logits.floats()[from + best]) best = i;
        return best;
    }

    private static long[] append(long[] a, long v) {
        long[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }
}
