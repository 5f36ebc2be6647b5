package dev.lathe.transform.pruning;

/** Row-major index arithmetic for selecting along one axis of an N-D tensor. */
public final class SliceIndexing {
    private final long[] dims;
    private final int axis;
    private final int inner;
    private final int axisLength;

    public SliceIndexing(long[] dims, int axis) {
        this.dims = dims;
        this.axis = axis;
        int in = 1;
        for (int d = axis + 1; d < dims.length; d++) in *= (int) dims[d];
        this.inner = in;
        this.axisLength = (int) dims[axis];
    }

    public int axisIndex(int flat) {
        return (flat / inner) % axisLength;
    }

    /** Copies the listed indices along the axis, in order, into a new flat array. */
    float[] select(float[] values, int[] keep) {
        int outer = values.length / (axisLength * inner);
        float[] out = new float[outer * keep.length * inner];
        int p = 0;
        for (int o = 0; o < outer; o++)
            for (int k : keep) {
                System.arraycopy(values, (o * axisLength + k) * inner, out, p, inner);
                p += inner;
            }
        return out;
    }

    /** As {@link #select}, reading a view of the values and writing little-endian float32 bytes: no copy of the whole tensor. */
    byte[] selectBytes(java.nio.FloatBuffer values, int[] keep) {
        int outer = values.limit() / (axisLength * inner);
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(outer, keep.length), inner * 4)];
        java.nio.FloatBuffer target = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int o = 0; o < outer; o++)
            for (int k : keep) target.put(values.slice((o * axisLength + k) * inner, inner));
        return out;
    }

    long[] dimsAfter(int kept) {
        long[] d = dims.clone();
        d[axis] = kept;
        return d;
    }
}
