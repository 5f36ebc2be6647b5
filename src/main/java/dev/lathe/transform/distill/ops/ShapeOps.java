package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.Arrays;
import java.util.Map;

/**
 * Operators that move, select or make tensors: shape arithmetic runs on int64 NDArrays like everything else, so the
 * dynamic shapes of transformer exports (Shape, Gather, Concat, Reshape) work at any sequence length.
 */
final class ShapeOps {
    private ShapeOps() {}

    static void register(Map<String, NodeOp> ops) {
        ops.put("Constant", ShapeOps::constant);
        ops.put("Shape", c -> {
            long[] dims = c.input(0).getShape().getShape();
            int start = OpCall.normalizeAxis(c.intAttr("start", 0), dims.length);
            int end = c.attribute("end") == null ? dims.length : OpCall.normalizeAxis(c.intAttr("end", dims.length), dims.length);
            start = Math.clamp(start, 0, dims.length);
            end = Math.clamp(end, start, dims.length);
            return new NDList(c.manager().create(Arrays.copyOfRange(dims, start, end)));
        });
        ops.put("Size", c -> new NDList(c.manager().create(c.input(0).getShape().size())));
        ops.put("Reshape", ShapeOps::reshape);
        ops.put("Flatten", c -> {
            long[] dims = c.input(0).getShape().getShape();
            int axis = OpCall.normalizeAxis(c.intAttr("axis", 1), dims.length);
            long outer = 1, inner = 1;
            for (int i = 0; i < dims.length; i++) if (i < axis) outer *= dims[i]; else inner *= dims[i];
            return new NDList(c.input(0).reshape(outer, inner));
        });
        ops.put("Transpose", c -> {
            NDArray x = c.input(0);
            long[] perm = c.intsAttr("perm");
            if (perm == null) return new NDList(x.transpose());
            return new NDList(x.transpose(Arrays.stream(perm).mapToInt(p -> (int) p).toArray()));
        });
        ops.put("Unsqueeze", c -> {
            NDArray x = c.input(0);
            long[] axes = c.opset() >= 13 ? c.longs(1) : c.intsAttr("axes");
            int[] sorted = OpCall.normalizeAxes(axes, x.getShape().dimension() + axes.length);
            Arrays.sort(sorted);
            for (int a : sorted) x = x.expandDims(a);
            return new NDList(x);
        });
        ops.put("Squeeze", c -> {
            NDArray x = c.input(0);
            long[] axes = c.opset() >= 13 ? (c.has(1) ? c.longs(1) : null) : c.intsAttr("axes");
            if (axes == null) return new NDList(x.squeeze());
            return new NDList(x.squeeze(OpCall.normalizeAxes(axes, x.getShape().dimension())));
        });
        ops.put("Concat", c -> {
            NDList parts = new NDList();
            for (NDArray a : c.inputs()) if (a != null) parts.add(a);
            int axis = OpCall.normalizeAxis(c.intAttr("axis", 0), parts.get(0).getShape().dimension());
            return new NDList(parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, axis));
        });
        ops.put("Slice", ShapeOps::slice);
        ops.put("Gather", c -> new NDList(gather(c.input(0), c.input(1), c.intAttr("axis", 0))));
        ops.put("Split", ShapeOps::split);
        ops.put("Expand", c -> new NDList(c.input(0).broadcast(new Shape(broadcastShape(c.input(0).getShape().getShape(), c.longs(1))))));
        ops.put("Tile", c -> new NDList(c.input(0).tile(c.longs(1))));
        ops.put("ConstantOfShape", c -> {
            TensorProto value = c.tensorAttr("value");
            NDArray fill = value == null ? c.manager().create(0f) : TensorProtos.toNDArray(c.manager(), value).reshape();
            return new NDList(fill.broadcast(new Shape(c.longs(0))).duplicate());
        });
        ops.put("Range", c -> {
            DataType type = c.input(0).getDataType();
            float start = c.input(0).toType(DataType.FLOAT32, false).getFloat();
            float limit = c.input(1).toType(DataType.FLOAT32, false).getFloat();
            float delta = c.input(2).toType(DataType.FLOAT32, false).getFloat();
            return new NDList(c.manager().arange(start, limit, delta, DataType.FLOAT32).toType(type, false));
        });
        ops.put("Pad", c -> {
            String mode = c.stringAttr("mode", "constant");
            if (!mode.equals("constant")) throw c.unsupported("mode " + mode);
            if (c.has(3)) throw c.unsupported("the axes input");
            long[] pads = c.opset() >= 11 ? c.longs(1) : c.intsAttr("pads");
            double value = c.opset() >= 11 ? (c.has(2) ? c.input(2).toType(DataType.FLOAT64, false).getDouble() : 0) : c.floatAttr("value", 0);
            return new NDList(pad(c.input(0), pads, value));
        });
    }

    private static NDList constant(OpCall c) {
        TensorProto t = c.tensorAttr("value");
        if (t != null) return new NDList(TensorProtos.toNDArray(c.manager(), t));
        if (c.attribute("value_float") != null) return new NDList(c.manager().create(c.floatAttr("value_float", 0)));
        if (c.attribute("value_floats") != null) {
            var f = c.attribute("value_floats").getFloatsList();
            float[] v = new float[f.size()];
            for (int i = 0; i < v.length; i++) v[i] = f.get(i);
            return new NDList(c.manager().create(v));
        }
        if (c.attribute("value_int") != null) return new NDList(c.manager().create(c.intAttr("value_int", 0)));
        if (c.attribute("value_ints") != null) return new NDList(c.manager().create(c.intsAttr("value_ints")));
        throw c.unsupported("this kind of constant");
    }

    private static NDList reshape(OpCall c) {
        NDArray x = c.input(0);
        long[] target = c.longs(1).clone();
        long[] dims = x.getShape().getShape();
        boolean allowZero = c.intAttr("allowzero", 0) == 1;
        for (int i = 0; i < target.length; i++) if (target[i] == 0 && !allowZero) target[i] = dims[i];
        return new NDList(x.reshape(new Shape(target)));
    }

    private static NDList slice(OpCall c) {
        NDArray x = c.input(0);
        long[] dims = x.getShape().getShape();
        long[] starts, ends, axes, steps;
        if (c.opset() >= 10) {
            starts = c.longs(1);
            ends = c.longs(2);
            axes = c.has(3) ? c.longs(3) : null;
            steps = c.has(4) ? c.longs(4) : null;
        } else {
            starts = c.intsAttr("starts");
            ends = c.intsAttr("ends");
            axes = c.intsAttr("axes");
            steps = null;
        }
        long[] start = new long[dims.length], end = dims.clone(), step = new long[dims.length];
        Arrays.fill(step, 1);
        for (int i = 0; i < starts.length; i++) {
            int axis = OpCall.normalizeAxis(axes == null ? i : axes[i], dims.length);
            long d = dims[axis];
            long s = starts[i] < 0 ? starts[i] + d : starts[i];
            long e = ends[i] < 0 ? ends[i] + d : ends[i];
            long k = steps == null ? 1 : steps[i];
            if (k > 0) {
                start[axis] = Math.clamp(s, 0, d);
                end[axis] = Math.clamp(e, 0, d);
            } else {
                // A negative step walks backwards: slice the flipped axis forwards instead.
                x = x.flip(axis);
                start[axis] = d - 1 - Math.clamp(s, 0, d - 1);
                end[axis] = d - 1 - Math.clamp(e, -1, d - 1);
                k = -k;
            }
            step[axis] = k;
        }
        NDIndex index = new NDIndex();
        for (int a = 0; a < dims.length; a++) {
            if (start[a] == 0 && end[a] == dims[a] && step[a] == 1) index.addAllDim();
            else index.addSliceDim(start[a], Math.max(start[a], end[a]), step[a]);
        }
        return new NDList(x.get(index));
    }

    /**
     * ONNX Gather along any axis, differentiable in the data: the axis is moved to the front and looked up as an
     * embedding table. Integer data (shape arithmetic) takes the same path through float64, exact for shape values.
     */
    static NDArray gather(NDArray data, NDArray indices, long axisAttr) {
        long[] dims = data.getShape().getShape();
        int axis = OpCall.normalizeAxis(axisAttr, dims.length);
        DataType type = data.getDataType();
        NDArray table = type.isFloating() ? data : data.toType(DataType.FLOAT64, false);
        NDArray idx = indices.toType(DataType.INT64, false);
        idx = NDArrays.where(idx.lt(0), idx.add(dims[axis]), idx);
        int[] front = new int[dims.length];
        front[0] = axis;
        for (int i = 0, k = 1; i < dims.length; i++) if (i != axis) front[k++] = i;
        long rest = 1;
        for (int i = 0; i < dims.length; i++) if (i != axis) rest *= dims[i];
        NDArray moved = (axis == 0 ? table : table.transpose(front)).reshape(dims[axis], rest);
        NDArray looked = idx.getNDArrayInternal().embedding(idx, moved, SparseFormat.DENSE).singletonOrThrow();
        long[] idxDims = idx.getShape().getShape();
        long[] outDims = new long[idxDims.length + dims.length - 1];
        System.arraycopy(idxDims, 0, outDims, 0, idxDims.length);
        for (int i = 0, k = idxDims.length; i < dims.length; i++) if (i != axis) outDims[k++] = dims[i];
        NDArray out = looked.reshape(new Shape(outDims));
        if (axis > 0) {
            // [indices..., before..., after...] -> [before..., indices..., after...]
            int[] perm = new int[outDims.length];
            int k = 0;
            for (int i = 0; i < axis; i++) perm[k++] = idxDims.length + i;
            for (int i = 0; i < idxDims.length; i++) perm[k++] = i;
            for (int i = idxDims.length + axis; i < outDims.length; i++) perm[k++] = i;
            out = out.transpose(perm);
        }
        return type.isFloating() ? out : out.toType(type, false);
    }

    private static NDList split(OpCall c) {
        NDArray x = c.input(0);
        long[] dims = x.getShape().getShape();
        int axis = OpCall.normalizeAxis(c.intAttr("axis", 0), dims.length);
        long[] sizes = c.opset() >= 13 ? (c.has(1) ? c.longs(1) : null) : c.intsAttr("split");
        int parts = c.node().getOutputCount();
        if (sizes == null) {
            long chunk = (dims[axis] + parts - 1) / parts;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) sizes[i] = Math.min(chunk, dims[axis] - chunk * i);
        }
        long[] points = new long[sizes.length - 1];
        long at = 0;
        for (int i = 0; i < points.length; i++) points[i] = at += sizes[i];
        return points.length == 0 ? new NDList(x) : x.split(points, axis);
    }

    static long[] broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
            long db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Pads given the ONNX way ([begin per axis..., end per axis...]) with PyTorch's order (last axis first). */
    static NDArray pad(NDArray x, long[] pads, double value) {
        int rank = pads.length / 2;
        long[] torch = new long[pads.length];
        for (int d = 0; d < rank; d++) {
            torch[2 * (rank - 1 - d)] = pads[d];
            torch[2 * (rank - 1 - d) + 1] = pads[rank + d];
        }
        return x.pad(new Shape(torch), value);
    }
}
