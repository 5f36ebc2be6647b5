package dev.lathe;

/** Small numeric comparisons shared by tests (cosine similarity is {@code TensorData.cosine}). */
public final class Numerics {
    private Numerics() {}

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
