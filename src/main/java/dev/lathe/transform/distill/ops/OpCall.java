package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.List;

/**
 * One node being executed: its inputs (null for an omitted optional input), attributes, the graph's opset and the
 * manager that new arrays made from host values belong to.
 */
public record OpCall(NodeProto node, NDArray[] inputs, long opset, NDManager manager) {
    public NDArray input(int i) {
        if (i >= inputs.length || inputs[i] == null)
            throw new IllegalArgumentException(node.getOpType() + " node '" + node.getName() + "' lacks input " + i);
        return inputs[i];
    }

    public boolean has(int i) { return i < inputs.length && inputs[i] != null; }

    public int inputCount() { return inputs.length; }

    /** An integer input's values on the host (shapes, axes, indices). */
    public long[] longs(int i) {
        NDArray a = input(i);
        return a.getDataType() == DataType.INT64 ? a.toLongArray() : a.toType(DataType.INT64, false).toLongArray();
    }

    public AttributeProto attribute(String name) {
        for (AttributeProto a : node.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    public long intAttr(String name, long fallback) {
        AttributeProto a = attribute(name);
        return a == null ? fallback : a.getI();
    }

    public float floatAttr(String name, float fallback) {
        AttributeProto a = attribute(name);
        return a == null ? fallback : a.getF();
    }

    public String stringAttr(String name, String fallback) {
        AttributeProto a = attribute(name);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    /** An INTS attribute, or null when the node does not set it. */
    public long[] intsAttr(String name) {
        AttributeProto a = attribute(name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    public TensorProto tensorAttr(String name) {
        AttributeProto a = attribute(name);
        return a == null || !a.hasT() ? null : a.getT();
    }

    /** Axes given as an input from {@code inputIndex} at this opset, else as the {@code axes} attribute; null when neither. */
    public long[] axes(int inputIndex) {
        if (has(inputIndex)) return longs(inputIndex);
        return intsAttr("axes");
    }

    public UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(node.getOpType() + " node '" + node.getName() + "': " + what + " is not supported by the differentiable executor");
    }

    static int[] normalizeAxes(long[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) out[i] = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
        return out;
    }

    static int normalizeAxis(long axis, int rank) {
        return (int) (axis < 0 ? axis + rank : axis);
    }

    public static List<String> inputs(NodeProto n) { return n.getInputList(); }
}
