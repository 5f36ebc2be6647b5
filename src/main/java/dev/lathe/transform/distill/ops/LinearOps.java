package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Map;

/** The weighted layers: MatMul, Gemm, Conv (groups, so depthwise too) and ConvTranspose. */
final class LinearOps {
    private LinearOps() {}

    static void register(Map<String, NodeOp> ops) {
        ops.put("MatMul", c -> new NDList(c.input(0).matMul(c.input(1))));
        ops.put("Gemm", c -> {
            NDArray a = c.intAttr("transA", 0) == 1 ? c.input(0).transpose() : c.input(0);
            NDArray b = c.intAttr("transB", 0) == 1 ? c.input(1).transpose() : c.input(1);
            NDArray y = a.matMul(b);
            float alpha = c.floatAttr("alpha", 1f), beta = c.floatAttr("beta", 1f);
            if (alpha != 1f) y = y.mul(alpha);
            if (c.has(2)) y = y.add(beta == 1f ? c.input(2) : c.input(2).mul(beta));
            return new NDList(y);
        });
        ops.put("Conv", LinearOps::conv);
        ops.put("ConvTranspose", LinearOps::convTranspose);
    }

    private static NDList conv(OpCall c) {
        NDArray x = c.input(0), w = c.input(1);
        long[] wDims = w.getShape().getShape();
        int spatial = wDims.length - 2;
        long[] kernel = Arrays.copyOfRange(wDims, 2, wDims.length);
        long[] strides = orOnes(c.intsAttr("strides"), spatial);
        long[] dilations = orOnes(c.intsAttr("dilations"), spatial);
        long[] pads = Windows.pads(c, x.getShape().getShape(), kernel, strides, dilations);
        long[] symmetric = Windows.symmetricPads(pads);
        if (symmetric == null) {
            x = ShapeOps.pad(x, Windows.fullRankPads(pads, 2), 0);
            symmetric = new long[spatial];
        }
        NDArray bias = c.has(2) ? c.input(2) : null;
        NDArray y = x.getNDArrayInternal().convolution(x, w, bias, new Shape(strides), new Shape(symmetric), new Shape(dilations),
                (int) c.intAttr("group", 1)).singletonOrThrow();
        return new NDList(y);
    }

    /**
     * A transposed convolution as the convolution it is the gradient of (DJL's PyTorch binding has no deconvolution):
     * zeros between the input's pixels for the stride, the kernel flipped with its in and out channels swapped per
     * group, and a padding of {@code dilation * (kernel - 1)} less the ONNX pads (negative padding crops).
     */
    private static NDList convTranspose(OpCall c) {
        if (c.attribute("output_shape") != null) throw c.unsupported("output_shape");
        String autoPad = c.stringAttr("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) throw c.unsupported("auto_pad " + autoPad);
        NDArray x = c.input(0), w = c.input(1);
        long[] wDims = w.getShape().getShape();
        int spatial = wDims.length - 2;
        int groups = (int) c.intAttr("group", 1);
        long[] strides = orOnes(c.intsAttr("strides"), spatial);
        long[] dilations = orOnes(c.intsAttr("dilations"), spatial);
        long[] outPad = c.intsAttr("output_padding");
        if (outPad == null) outPad = new long[spatial];
        long[] pads = c.intsAttr("pads");
        if (pads == null || autoPad.equals("VALID")) pads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) if (strides[i] > 1) x = spreadOut(x, 2 + i, strides[i]);
        long[] full = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) {
            long edge = dilations[i] * (wDims[2 + i] - 1);
            full[i] = edge - pads[i];
            full[spatial + i] = edge - pads[spatial + i] + outPad[i];
        }
        x = ShapeOps.pad(x, Windows.fullRankPads(full, 2), 0);
        long in = wDims[0], outPerGroup = wDims[1];
        long[] grouped = new long[wDims.length + 1];
        grouped[0] = groups;
        grouped[1] = in / groups;
        grouped[2] = outPerGroup;
        System.arraycopy(wDims, 2, grouped, 3, spatial);
        int[] swap = new int[grouped.length];
        swap[0] = 0; swap[1] = 2; swap[2] = 1;
        for (int i = 3; i < swap.length; i++) swap[i] = i;
        long[] kernelDims = wDims.clone();
        kernelDims[0] = outPerGroup * groups;
        kernelDims[1] = in / groups;
        int[] spatialAxes = new int[spatial];
        for (int i = 0; i < spatial; i++) spatialAxes[i] = 2 + i;
        NDArray kernel = w.reshape(new Shape(grouped)).transpose(swap).reshape(new Shape(kernelDims)).flip(spatialAxes);
        NDArray bias = c.has(2) ? c.input(2) : null;
        NDArray y = x.getNDArrayInternal().convolution(x, kernel, bias, new Shape(orOnes(null, spatial)), new Shape(new long[spatial]),
                new Shape(dilations), groups).singletonOrThrow();
        return new NDList(y);
    }

    /** Puts {@code stride - 1} zeros between neighbours along {@code axis}: [.., n, ..] -> [.., (n - 1) * stride + 1, ..]. */
    private static NDArray spreadOut(NDArray x, int axis, long stride) {
        long[] dims = x.getShape().getShape();
        NDArray y = x.expandDims(axis + 1);
        long[] pads = new long[2 * (dims.length + 1)];
        pads[dims.length + 1 + axis + 1] = stride - 1;
        y = ShapeOps.pad(y, pads, 0);
        long[] merged = dims.clone();
        merged[axis] = dims[axis] * stride;
        y = y.reshape(new Shape(merged));
        NDIndex keep = new NDIndex();
        for (int i = 0; i < dims.length; i++) {
            if (i == axis) keep.addSliceDim(0, (dims[axis] - 1) * stride + 1);
            else keep.addAllDim();
        }
        return y.get(keep);
    }

    static long[] orOnes(long[] v, int n) {
        if (v != null) return v;
        long[] ones = new long[n];
        Arrays.fill(ones, 1);
        return ones;
    }
}
