package dev.lathe.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Rewrites the operators whose form changed between an old default opset (9 or 10, as paddle2onnx and older
 * TensorFlow converters write) and a newer one that a transform needs (quantization's operators exist from 10, its
 * per-channel QDQ form from 13). Raising the import alone would be wrong: Clip and Pad read their bounds and pads
 * from inputs from opset 11 on and ignore the old attributes, Upsample is gone, Softmax's axis means something else
 * from 13. Each rewrite computes exactly what the old operator computed.
 */
public final class OpsetUpgrade {
    /** Operators whose subgraphs this rewrite does not enter. */
    private static final java.util.Set<String> NOT_REWRITTEN = java.util.Set.of("Scan", "Loop", "If");

    private final List<NodeProto> out = new ArrayList<>();
    private final int from, to;
    private int counter;

    private OpsetUpgrade(int from, int to) {
        this.from = from;
        this.to = to;
    }

    /** The graph's nodes as opset {@code to} spells them, for a graph written against opset {@code from}. */
    static GraphProto upgrade(GraphProto graph, int from, int to) {
        if (from >= to) return graph;
        OpsetUpgrade u = new OpsetUpgrade(from, to);
        for (NodeProto n : graph.getNodeList()) u.rewrite(n);
        return graph.toBuilder().clearNode().addAllNode(u.out).build();
    }

    /** The first node that raising the opset from {@code from} to {@code to} cannot rewrite, if any. */
    public static java.util.Optional<NodeProto> obstacle(List<NodeProto> nodes, int from, int to) {
        if (from >= to) return java.util.Optional.empty();
        return nodes.stream().filter(n -> (n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx")) && NOT_REWRITTEN.contains(n.getOpType())).findFirst();
    }

    private boolean changes(int since) {
        return from < since && to >= since;
    }

    private void rewrite(NodeProto n) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) { out.add(n); return; }
        switch (n.getOpType()) {
            case "Clip" -> {
                if (!changes(11)) { out.add(n); return; }
                AttributeProto min = attribute(n, "min"), max = attribute(n, "max");
                out.add(without(n, "min", "max").addInput(min == null ? "" : constant(n, "min", floats(min.getF())))
                        .addInput(max == null ? "" : constant(n, "max", floats(max.getF()))).build());
            }
            case "Pad" -> {
                if (!changes(11)) { out.add(n); return; }
                AttributeProto value = attribute(n, "value");
                NodeProto.Builder b = without(n, "pads", "value").addInput(constant(n, "pads", longs(attribute(n, "pads").getIntsList())));
                if (value != null) b.addInput(constant(n, "value", floats(value.getF())));
                out.add(b.build());
            }
            case "Upsample", "Resize" -> {
                // Resize 10 took (X, scales) and resized as Upsample did; 11 added roi and coordinate modes.
                if (n.getOpType().equals("Upsample") ? !changes(10) : !(from == 10 && to >= 11)) { out.add(n); return; }
                AttributeProto mode = attribute(n, "mode"), scales = attribute(n, "scales");
                String m = mode == null ? "nearest" : mode.getS().toStringUtf8();
                String scalesInput = scales != null ? constant(n, "scales", floatList(scales.getFloatsList())) : n.getInput(1);
                // Upsample maps output pixel x to input x / scale, rounded down for nearest: Resize's asymmetric mode.
                // Resize 11 requires its roi input (empty: it is read only by tf_crop_and_resize); 13 made it optional.
                String roi = to >= 13 ? "" : constant(n, "roi", name -> Tensors.floats(name, new long[] {0}, new float[0]));
                NodeProto.Builder b = NodeProto.newBuilder().setOpType("Resize").setName(n.getName()).addInput(n.getInput(0))
                        .addInput(roi).addInput(scalesInput).addAllOutput(n.getOutputList())
                        .addAttribute(text("mode", m.equals("bilinear") ? "linear" : m))
                        .addAttribute(text("coordinate_transformation_mode", "asymmetric"));
                if (!m.contains("linear")) b.addAttribute(text("nearest_mode", "floor"));
                out.add(b.build());
            }
            case "Slice" -> {
                if (!changes(10)) { out.add(n); return; }
                NodeProto.Builder b = without(n, "starts", "ends", "axes")
                        .addInput(constant(n, "starts", longs(attribute(n, "starts").getIntsList())))
                        .addInput(constant(n, "ends", longs(attribute(n, "ends").getIntsList())));
                AttributeProto axes = attribute(n, "axes");
                if (axes != null) b.addInput(constant(n, "axes", longs(axes.getIntsList())));
                out.add(b.build());
            }
            case "TopK" -> {
                if (!changes(10)) { out.add(n); return; }
                out.add(without(n, "k").addInput(constant(n, "k", longs(List.of(attribute(n, "k").getI())))).build());
            }
            case "Dropout" -> {
                // Inference only: the ratio is never applied. Its optional mask output has no reader in an exported model.
                if (!changes(12)) { out.add(n); return; }
                out.add(NodeProto.newBuilder().setOpType("Identity").setName(n.getName()).addInput(n.getInput(0)).addOutput(n.getOutput(0)).build());
            }
            case "Squeeze", "Unsqueeze", "ReduceSum" -> axesToInput(n, "axes");
            case "Split" -> axesToInput(n, "split");
            case "Softmax", "LogSoftmax", "Hardmax" -> softmax(n);
            default -> out.add(n);
        }
    }

    /** From opset 13 these read their axes (Split: sizes) from an input. */
    private void axesToInput(NodeProto n, String name) {
        AttributeProto a = attribute(n, name);
        if (!changes(13) || a == null) { out.add(n); return; }
        out.add(without(n, name).addInput(constant(n, name, longs(a.getIntsList()))).build());
    }

    /**
     * Before 13, Softmax flattened its input to 2-D at {@code axis} (default 1) and normalised over the second part;
     * from 13 it normalises one axis. Spelled out the old way: Flatten at the axis, Softmax over the last axis, and
     * back to the input's shape.
     */
    private void softmax(NodeProto n) {
        if (!changes(13)) { out.add(n); return; }
        long axis = MutableGraph.intAttribute(n, "axis", 1);
        if (axis == -1) { out.add(n); return; }
        String flat = fresh(n, "flat"), shape = fresh(n, "shape"), normalized = fresh(n, "normalized");
        out.add(NodeProto.newBuilder().setOpType("Flatten").setName(flat).addInput(n.getInput(0)).addOutput(flat)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(axis)).build());
        out.add(without(n, "axis").setName(normalized).setInput(0, flat).setOutput(0, normalized)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1)).build());
        out.add(NodeProto.newBuilder().setOpType("Shape").setName(shape).addInput(n.getInput(0)).addOutput(shape).build());
        out.add(NodeProto.newBuilder().setOpType("Reshape").setName(n.getName()).addInput(normalized).addInput(shape).addAllOutput(n.getOutputList()).build());
    }

    private static AttributeProto attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    private static NodeProto.Builder without(NodeProto n, String... names) {
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        for (AttributeProto a : n.getAttributeList()) if (!List.of(names).contains(a.getName())) b.addAttribute(a);
        return b;
    }

    /** A Constant node holding {@code value}, added before the node that reads it; returns its output. */
    private String constant(NodeProto reader, String what, Function<String, TensorProto> value) {
        String name = fresh(reader, what);
        out.add(NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(value.apply(name))).build());
        return name;
    }

    private String fresh(NodeProto n, String what) {
        String base = n.getName().isEmpty() ? n.getOutput(0) : n.getName();
        return base + "_opset" + to + "_" + what + "_" + (counter++);
    }

    private static Function<String, TensorProto> floats(float v) {
        return name -> Tensors.floats(name, new long[0], new float[] {v});
    }

    private static Function<String, TensorProto> floatList(List<Float> v) {
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) a[i] = v.get(i);
        return name -> Tensors.floats(name, new long[] {a.length}, a);
    }

    private static Function<String, TensorProto> longs(List<Long> v) {
        long[] a = v.stream().mapToLong(Long::longValue).toArray();
        return name -> Tensors.longs(name, new long[] {a.length}, a);
    }

    private static AttributeProto text(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(value)).build();
    }
}
