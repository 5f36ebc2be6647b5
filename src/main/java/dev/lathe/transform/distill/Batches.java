package dev.lathe.transform.distill;

import dev.lathe.model.TensorData;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stacks batch-1 samples into one batch. Integer inputs of different lengths (token ids, attention masks, token
 * types) are padded with zeros at the end to the longest: a zero attention mask keeps padding out of a transformer's
 * real positions, so each sentence keeps its own length rather than the timing shape.
 */
final class Batches {
    private Batches() {}

    static Map<String, TensorData> stack(List<Map<String, TensorData>> samples) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (String name : samples.get(0).keySet()) {
            List<TensorData> parts = new ArrayList<>();
            for (Map<String, TensorData> s : samples) parts.add(s.get(name));
            out.put(name, stackOne(name, parts));
        }
        return out;
    }

    /** The longest last dimension among the samples' integer inputs (the padded sequence length), or 0. */
    static int paddedLength(List<Map<String, TensorData>> samples) {
        int max = 0;
        for (Map<String, TensorData> s : samples)
            for (TensorData t : s.values()) if (!t.isFloat() && t.shape().length >= 2) max = Math.max(max, (int) t.shape()[t.shape().length - 1]);
        return max;
    }

    private static TensorData stackOne(String name, List<TensorData> parts) {
        long[] first = parts.get(0).shape();
        if (first.length == 0 || first[0] != 1) throw new IllegalArgumentException("input '" + name + "' is not batch-1 data " + java.util.Arrays.toString(first));
        long longest = 0;
        for (TensorData t : parts) {
            if (t.shape().length != first.length) throw new IllegalArgumentException("input '" + name + "' changes rank between samples");
            longest = Math.max(longest, t.shape()[first.length - 1]);
        }
        long[] shape = first.clone();
        shape[0] = parts.size();
        shape[first.length - 1] = longest;
        int per = (int) (TensorData.elementCount(shape) / parts.size());
        boolean floats = parts.get(0).isFloat();
        if (floats) {
            for (TensorData t : parts) if (!java.util.Arrays.equals(t.shape(), first))
                throw new IllegalArgumentException("float input '" + name + "' has samples of different shapes");
            float[] v = new float[per * parts.size()];
            for (int i = 0; i < parts.size(); i++) System.arraycopy(parts.get(i).floats(), 0, v, i * per, per);
            return TensorData.ofFloats(shape, v);
        }
        long[] v = new long[per * parts.size()];
        int rows = (int) (per / longest);
        for (int i = 0; i < parts.size(); i++) {
            TensorData t = parts.get(i);
            int len = (int) t.shape()[first.length - 1];
            for (int r = 0; r < rows; r++) System.arraycopy(t.longs(), r * len, v, (int) (i * per + r * longest), len);
        }
        return TensorData.ofLongs(shape, v);
    }
}
