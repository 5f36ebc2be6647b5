package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.Map;

/** Pooling and nearest-neighbour Resize. */
final class PoolingOps {
    private PoolingOps() {}

    static void register(Map<String, NodeOp> ops) {
        ops.put("MaxPool", c -> {
            if (c.node().getOutputCount() > 1 && !c.node().getOutput(1).isEmpty()) throw c.unsupported("the Indices output");
            return new NDList(pool(c, true));
        });
        ops.put("AveragePool", c -> new NDList(pool(c, false)));
        ops.put("GlobalAveragePool", c -> new NDList(NormalizationOps.over(c.input(0), spatialAxes(c.input(0)), true, NDArray::mean)));
        ops.put("GlobalMaxPool", c -> new NDList(NormalizationOps.over(c.input(0), spatialAxes(c.input(0)), true, NDArray::max)));
        ops.put("Resize", PoolingOps::resize);
        ops.put("Upsample", PoolingOps::resize);
    }

    private static int[] spatialAxes(NDArray x) {
        int[] axes = new int[x.getShape().dimension() - 2];
        for (int i = 0; i < axes.length; i++) axes[i] = i + 2;
        return axes;
    }

    private static NDArray pool(OpCall c, boolean max) {
        NDArray x = c.input(0);
        long[] kernel = c.intsAttr("kernel_shape");
        int spatial = kernel.length;
        long[] strides = LinearOps.orOnes(c.intsAttr("strides"), spatial);
        long[] dilations = LinearOps.orOnes(c.intsAttr("dilations"), spatial);
        for (long d : dilations) if (d != 1) throw c.unsupported("dilated pooling");
        long[] pads = Windows.pads(c, x.getShape().getShape(), kernel, strides, dilations);
        long[] symmetric = Windows.symmetricPads(pads);
        boolean ceil = c.intAttr("ceil_mode", 0) == 1;
        boolean countPad = c.intAttr("count_include_pad", 0) == 1;
        if (symmetric == null) {
            if (!max && !countPad) throw c.unsupported("asymmetric padding of an average that leaves the padding out");
            x = ShapeOps.pad(x, Windows.fullRankPads(pads, 2), max ? Double.NEGATIVE_INFINITY : 0);
            symmetric = new long[spatial];
        }
        if (max) return x.getNDArrayInternal().maxPool(new Shape(kernel), new Shape(strides), new Shape(symmetric), ceil);
        // DJL's binding always counts the padding in an average; dividing by the average of ones leaves it out.
        NDArray avg = x.getNDArrayInternal().avgPool(new Shape(kernel), new Shape(strides), new Shape(symmetric), ceil, true);
        if (countPad) return avg;
        return avg.div(x.onesLike().getNDArrayInternal().avgPool(new Shape(kernel), new Shape(strides), new Shape(symmetric), ceil, true));
    }

    /**
     * Nearest-neighbour resizing by whole factors, which is a repeat along each axis for the coordinate modes
     * exporters use for it (half-pixel with rounding, asymmetric with floor). Other modes are refused by name.
     */
    private static NDList resize(OpCall c) {
        NDArray x = c.input(0);
        String mode = c.stringAttr("mode", "nearest");
        if (!mode.equals("nearest")) throw c.unsupported("mode " + mode);
        String coordinates = c.stringAttr("coordinate_transformation_mode", c.opset() >= 11 ? "half_pixel" : "asymmetric");
        String nearest = c.stringAttr("nearest_mode", c.opset() >= 11 ? "round_prefer_floor" : "floor");
        boolean halfPixel = coordinates.equals("half_pixel") || coordinates.equals("pytorch_half_pixel");
        boolean repeats = halfPixel ? nearest.startsWith("round_prefer") : coordinates.equals("asymmetric") && nearest.equals("floor");
        if (!repeats) throw c.unsupported("coordinate_transformation_mode " + coordinates + " with nearest_mode " + nearest);
        long[] dims = x.getShape().getShape();
        int scalesInput = c.node().getOpType().equals("Upsample") || c.opset() < 11 ? 1 : 2;
        long[] factors = new long[dims.length];
        if (c.has(scalesInput) && c.input(scalesInput).size() > 0) {
            float[] scales = c.input(scalesInput).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < dims.length; i++) factors[i] = wholeFactor(c, scales[i]);
        } else {
            long[] sizes = c.longs(3);
            for (int i = 0; i < dims.length; i++) {
                if (sizes[i] % dims[i] != 0) throw c.unsupported("resizing by a fractional factor");
                factors[i] = sizes[i] / dims[i];
            }
        }
        for (int i = 0; i < dims.length; i++) if (factors[i] != 1) x = x.repeat(i, factors[i]);
        return new NDList(x);
    }

    private static long wholeFactor(OpCall c, float scale) {
        long f = Math.round(scale);
        if (f < 1 || Math.abs(scale - f) > 1e-6) throw c.unsupported("resizing by a fractional factor (" + scale + ")");
        return f;
    }
}
