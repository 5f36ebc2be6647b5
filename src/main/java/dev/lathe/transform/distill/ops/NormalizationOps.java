package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.Map;
import java.util.function.BiFunction;

/** Normalizations (written out in NDArray arithmetic, so every input gets a gradient), Softmax and the reductions. */
final class NormalizationOps {
    private NormalizationOps() {}

    static void register(Map<String, NodeOp> ops) {
        ops.put("BatchNormalization", c -> {
            if (c.intAttr("training_mode", 0) == 1) throw c.unsupported("training_mode");
            NDArray x = c.input(0);
            Shape channel = channelShape(x);
            NDArray scale = c.input(1).reshape(channel), bias = c.input(2).reshape(channel);
            NDArray mean = c.input(3).reshape(channel), var = c.input(4).reshape(channel);
            NDArray y = x.sub(mean).div(var.add(c.floatAttr("epsilon", 1e-5f)).sqrt()).mul(scale).add(bias);
            return new NDList(y);
        });
        ops.put("InstanceNormalization", c -> {
            NDArray x = c.input(0);
            int[] axes = new int[x.getShape().dimension() - 2];
            for (int i = 0; i < axes.length; i++) axes[i] = i + 2;
            NDArray y = normalize(x, axes, c.floatAttr("epsilon", 1e-5f));
            Shape channel = channelShape(x);
            return new NDList(y.mul(c.input(1).reshape(channel)).add(c.input(2).reshape(channel)));
        });
        ops.put("LayerNormalization", c -> {
            NDArray x = c.input(0);
            int rank = x.getShape().dimension();
            int axis = OpCall.normalizeAxis(c.intAttr("axis", -1), rank);
            int[] axes = new int[rank - axis];
            for (int i = 0; i < axes.length; i++) axes[i] = axis + i;
            float eps = c.floatAttr("epsilon", 1e-5f);
            NDArray mean = mean(x, axes);
            NDArray centered = x.sub(mean);
            NDArray invStd = mean(centered.square(), axes).add(eps).sqrt().getNDArrayInternal().rdiv(1);
            NDArray y = centered.mul(invStd).mul(c.input(1));
            if (c.has(2)) y = y.add(c.input(2));
            NDList out = new NDList(y);
            if (c.node().getOutputCount() > 1) out.add(mean);
            if (c.node().getOutputCount() > 2) out.add(invStd);
            return out;
        });
        ops.put("Softmax", c -> new NDList(softmax(c, NDArray::softmax)));
        ops.put("LogSoftmax", c -> new NDList(softmax(c, NDArray::logSoftmax)));
        reduce(ops, "ReduceMean", NDArray::mean);
        reduce(ops, "ReduceSum", NDArray::sum);
        reduce(ops, "ReduceMax", NDArray::max);
        reduce(ops, "ReduceMin", NDArray::min);
        reduce(ops, "ReduceProd", NDArray::prod);
        ops.put("ReduceSumSquare", c -> new NDList(reduceWith(c, c.input(0).square(), NDArray::sum)));
        ops.put("ReduceL2", c -> new NDList(reduceWith(c, c.input(0).square(), NDArray::sum).sqrt()));
    }

    /** [1, C, 1, ...] for an input [N, C, ...]. */
    private static Shape channelShape(NDArray x) {
        long[] s = new long[x.getShape().dimension()];
        java.util.Arrays.fill(s, 1);
        s[1] = x.getShape().get(1);
        return new Shape(s);
    }

    private static NDArray normalize(NDArray x, int[] axes, float eps) {
        NDArray centered = x.sub(mean(x, axes));
        return centered.div(mean(centered.square(), axes).add(eps).sqrt());
    }

    /** Before opset 13, Softmax worked on the input flattened to 2-D at its axis (default 1). */
    private static NDArray softmax(OpCall c, BiFunction<NDArray, Integer, NDArray> f) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        if (c.opset() >= 13) return f.apply(x, OpCall.normalizeAxis(c.intAttr("axis", -1), rank));
        int axis = OpCall.normalizeAxis(c.intAttr("axis", 1), rank);
        long outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.getShape().get(i);
        return f.apply(x.reshape(outer, -1), 1).reshape(x.getShape());
    }

    interface Reduction {
        NDArray apply(NDArray x, int[] axes, boolean keepDims);
    }

    /** PyTorch's DJL binding reduces one axis per call: reduce each (keeping it), then drop the axes if asked. */
    static NDArray over(NDArray x, int[] axes, boolean keep, Reduction r) {
        int[] sorted = axes.clone();
        java.util.Arrays.sort(sorted);
        NDArray y = x;
        for (int i = sorted.length - 1; i >= 0; i--) y = r.apply(y, new int[] {sorted[i]}, true);
        return keep || sorted.length == 0 ? y : y.squeeze(sorted);
    }

    static NDArray mean(NDArray x, int[] axes) {
        return over(x, axes, true, NDArray::mean);
    }

    private static void reduce(Map<String, NodeOp> ops, String name, Reduction r) {
        ops.put(name, c -> new NDList(reduceWith(c, c.input(0), r)));
    }

    private static NDArray reduceWith(OpCall c, NDArray x, Reduction r) {
        int rank = x.getShape().dimension();
        long[] axes = c.axes(1);
        boolean keep = c.intAttr("keepdims", 1) == 1;
        if (axes == null || axes.length == 0) {
            if (c.intAttr("noop_with_empty_axes", 0) == 1) return x;
            axes = new long[rank];
            for (int i = 0; i < rank; i++) axes[i] = i;
        }
        return over(x, OpCall.normalizeAxes(axes, rank), keep, r);
    }
}
