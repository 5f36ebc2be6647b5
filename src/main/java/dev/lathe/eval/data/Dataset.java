package dev.lathe.eval.data;

import dev.lathe.model.TensorData;

import java.util.List;
import java.util.Map;

/**
 * Samples to run a model on, each a full set of named inputs with batch 1, optionally with class labels.
 * {@code synthetic} marks random inputs, which the UI and CLI must flag as a last resort.
 */
public record Dataset(String description, List<Map<String, TensorData>> samples, int[] labels, boolean synthetic, String fingerprint) {
    public Dataset {
        samples = List.copyOf(samples);
        if (labels != null && labels.length != samples.size())
            throw new IllegalArgumentException(labels.length + " labels for " + samples.size() + " samples");
    }

    public boolean hasLabels() { return labels != null; }

    public int size() { return samples.size(); }

    /** A fixed, deterministic split: the first {@code n} samples calibrate, the rest evaluate. */
    public Dataset head(int n) {
        int k = Math.min(n, samples.size());
        return new Dataset(description + " [0," + k + ")", samples.subList(0, k), labels == null ? null : java.util.Arrays.copyOf(labels, k), synthetic, fingerprint + ":0-" + k);
    }

    public Dataset tail(int from) {
        int k = Math.min(from, samples.size());
        return new Dataset(description + " [" + k + "," + samples.size() + ")", samples.subList(k, samples.size()),
                labels == null ? null : java.util.Arrays.copyOfRange(labels, k, labels.length), synthetic, fingerprint + ":" + k + "-");
    }
}
