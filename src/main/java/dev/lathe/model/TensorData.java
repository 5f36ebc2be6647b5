package dev.lathe.model;

import java.util.Arrays;

/**
 * A plain host tensor: shape plus float32 or int64 values. Samples, reference outputs and
 * synthetic inputs all travel as these, so nothing above the model layer touches native buffers.
 */
public record TensorData(long[] shape, float[] floats, long[] longs) {
    public TensorData {
        if ((floats == null) == (longs == null)) throw new IllegalArgumentException("exactly one of floats/longs");
        long n = elementCount(shape);
        int len = floats != null ? floats.length : longs.length;
        if (n != len) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " values, got " + len);
    }

    public static TensorData ofFloats(long[] shape, float[] values) { return new TensorData(shape, values, null); }

    public static TensorData ofLongs(long[] shape, long[] values) { return new TensorData(shape, null, values); }

    public boolean isFloat() { return floats != null; }

    public int size() { return floats != null ? floats.length : longs.length; }

    /**
     * Cosine similarity of two equally long vectors, in double precision; two zero vectors count as identical,
     * one zero vector as unrelated. Quality metrics and sensitivity ranking both compare outputs with it.
     */
    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) { dot += (double) a[i] * b[i]; na += (double) a[i] * a[i]; nb += (double) b[i] * b[i]; }
        if (na == 0 && nb == 0) return 1;
        if (na == 0 || nb == 0) return 0;
        return dot / Math.sqrt(na * nb);
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
