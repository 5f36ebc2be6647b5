package dev.lathe.transform.distill.ops;

/** Padding of sliding windows (convolution, pooling): explicit pads or ONNX's auto_pad, as [begin..., end...]. */
final class Windows {
    private Windows() {}

    static long[] pads(OpCall c, long[] inputDims, long[] kernel, long[] strides, long[] dilations) {
        int spatial = kernel.length;
        String autoPad = c.stringAttr("auto_pad", "NOTSET");
        long[] pads = new long[2 * spatial];
        switch (autoPad) {
            case "NOTSET" -> {
                long[] given = c.intsAttr("pads");
                if (given != null) pads = given.clone();
            }
            case "VALID" -> { }
            case "SAME_UPPER", "SAME_LOWER" -> {
                for (int i = 0; i < spatial; i++) {
                    long in = inputDims[2 + i];
                    long out = (in + strides[i] - 1) / strides[i];
                    long total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
                    long small = total / 2;
                    pads[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                    pads[spatial + i] = total - pads[i];
                }
            }
            default -> throw c.unsupported("auto_pad " + autoPad);
        }
        return pads;
    }

    /** The per-axis padding when begin equals end on every axis, else null. */
    static long[] symmetricPads(long[] pads) {
        int spatial = pads.length / 2;
        long[] out = new long[spatial];
        for (int i = 0; i < spatial; i++) {
            if (pads[i] != pads[spatial + i]) return null;
            out[i] = pads[i];
        }
        return out;
    }

    /** Spatial pads extended with zero pads for the {@code leading} batch and channel axes. */
    static long[] fullRankPads(long[] pads, int leading) {
        int spatial = pads.length / 2, rank = spatial + leading;
        long[] out = new long[2 * rank];
        for (int i = 0; i < spatial; i++) {
            out[leading + i] = pads[i];
            out[rank + leading + i] = pads[spatial + i];
        }
        return out;
    }
}
