package dev.lathe.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves weights that an exporter wrote as {@code Constant} nodes (paddle2onnx, several TensorFlow converters,
 * constant-folding tools) into initializers when a model is loaded, and folds the weight-only chains
 * ({@code Identity}, a float-to-float {@code Cast}, {@code Transpose}, {@code Reshape}) that some of them put between
 * the constant and its layer.
 *
 * <p>Why lift rather than teach every finder and transform about Constant nodes: the analysis, the pruner, the
 * quantizers and the exporter all read and rewrite weights as initializers; one rewrite on load gives every one of
 * them the exporter's weights at once, and the result computes exactly the same outputs (a Constant's value and an
 * initializer's are the same tensor, and the folded chains only move elements). The graph's inputs and outputs do
 * not change. Scalars stay Constant nodes: they are operator arguments (an epsilon, an exponent), not parameters,
 * and analysis reads them either way.
 *
 * <p>IR versions before 4 required every initializer to be a graph input too, and an input's declared shape would
 * go stale once pruning shrinks the weight; such a model is raised to IR 4 (which still covers opset 9) and its
 * initializers are no longer listed as inputs. Its real inputs, the ones a caller feeds, stay as they were.
 */
public final class ConstantWeights {
    private static final Set<String> FOLDED = Set.of("Identity", "Cast", "Transpose", "Reshape");

    private ConstantWeights() {}

    /** The model with its non-scalar Constant weights as initializers; the same object when there are none. */
    public static ModelProto lift(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> lifted = new java.util.LinkedHashMap<>();
        Set<String> dequantized = new HashSet<>(), resizing = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("DequantizeLinear") && n.getInputCount() > 0) dequantized.add(n.getInput(0));
            // Resize and Upsample read their scales from a float constant: an argument, not a parameter.
            if (n.getOpType().equals("Resize") || n.getOpType().equals("Upsample")) resizing.addAll(n.getInputList().subList(1, n.getInputCount()));
        }
        Map<String, TensorProto> constants = new HashMap<>(); // every known value: initializers and Constant nodes
        g.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        GraphProto.Builder out = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            TensorProto value = n.getOpType().equals("Constant") ? valueOf(n) : null;
            if (value != null) constants.put(n.getOutput(0), value);
            TensorProto weight = value != null && !resizing.contains(n.getOutput(0)) && isWeight(value, dequantized.contains(n.getOutput(0)))
                    ? value : foldable(n, constants, lifted);
            if (weight == null) { out.addNode(n); continue; }
            lifted.put(weight.getName(), weight);
            constants.put(weight.getName(), weight);
        }
        if (lifted.isEmpty()) return model;
        Set<String> outputs = new HashSet<>(), read = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        out.getNodeList().forEach(n -> read.addAll(n.getInputList()));
        for (TensorProto t : lifted.values()) {
            if (!read.contains(t.getName()) && !outputs.contains(t.getName())) continue; // folded into the next step of its chain
            // A graph output cannot be an initializer alone; keep that one as the Constant it was.
            if (outputs.contains(t.getName())) out.addNode(constantNode(t));
            else out.addInitializer(t);
        }
        ModelProto.Builder b = model.toBuilder().setGraph(out);
        if (model.getIrVersion() < 4) {
            b.setIrVersion(4);
            Set<String> inits = new HashSet<>();
            out.getInitializerList().forEach(t -> inits.add(t.getName()));
            var inputs = out.getInputList().stream().filter(v -> !inits.contains(v.getName())).toList();
            b.getGraphBuilder().clearInput().addAllInput(inputs);
        }
        return b.build();
    }

    /** A float tensor of more than one element, or the integer weight of a DequantizeLinear. */
    private static boolean isWeight(TensorProto t, boolean dequantized) {
        if (Tensors.elementCount(t) <= 1 || t.getDimsCount() == 0) return false;
        return dequantized || isFloat(t.getDataType());
    }

    private static boolean isFloat(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.DOUBLE_VALUE || type == TensorProto.DataType.BFLOAT16_VALUE;
    }

    /** The output of a weight-only node over a lifted float32 weight, computed now; null when it is not one. */
    private static TensorProto foldable(NodeProto n, Map<String, TensorProto> constants, Map<String, TensorProto> lifted) {
        if (!FOLDED.contains(n.getOpType()) || n.getInputCount() == 0 || n.getOutputCount() != 1) return null;
        TensorProto in = lifted.get(n.getInput(0));
        if (in == null || in.getDataType() != TensorProto.DataType.FLOAT_VALUE) return null;
        String name = n.getOutput(0);
        return switch (n.getOpType()) {
            case "Identity" -> in.toBuilder().setName(name).build();
            case "Cast" -> MutableGraph.intAttribute(n, "to", -1) == TensorProto.DataType.FLOAT_VALUE ? in.toBuilder().setName(name).build() : null;
            case "Transpose" -> transpose(in, MutableGraph.intsAttribute(n, "perm"), name);
            case "Reshape" -> n.getInputCount() > 1 && constants.containsKey(n.getInput(1))
                    ? reshape(in, Tensors.toLongs(constants.get(n.getInput(1))), MutableGraph.intAttribute(n, "allowzero", 0) != 0, name) : null;
            default -> null;
        };
    }

    private static TensorProto reshape(TensorProto in, long[] shape, boolean allowZero, String name) {
        long[] from = Tensors.dims(in);
        long[] to = shape.clone();
        long known = 1;
        int free = -1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == 0 && !allowZero) {
                if (i >= from.length) return null;
                to[i] = from[i];
            }
            if (to[i] == -1) { if (free >= 0) return null; free = i; } else known *= to[i];
        }
        long count = Tensors.elementCount(in);
        if (free >= 0) { if (known == 0 || count % known != 0) return null; to[free] = count / known; }
        else if (known != count) return null;
        TensorProto.Builder b = in.toBuilder().setName(name).clearDims();
        for (long d : to) b.addDims(d);
        return b.build();
    }

    private static TensorProto transpose(TensorProto in, List<Long> perm, String name) {
        long[] dims = Tensors.dims(in);
        int rank = dims.length;
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = perm == null ? rank - 1 - i : perm.get(i).intValue();
        long[] outDims = new long[rank];
        for (int i = 0; i < rank; i++) outDims[i] = dims[p[i]];
        long[] inStrides = strides(dims);
        float[] src = Tensors.toFloats(in), dst = new float[src.length];
        int[] index = new int[rank];
        for (int o = 0; o < dst.length; o++) {
            long at = 0;
            for (int i = 0; i < rank; i++) at += index[i] * inStrides[p[i]];
            dst[o] = src[(int) at];
            for (int i = rank - 1; i >= 0; i--) { if (++index[i] < outDims[i]) break; index[i] = 0; }
        }
        return Tensors.floats(name, outDims, dst);
    }

    private static long[] strides(long[] dims) {
        long[] s = new long[dims.length];
        long acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) { s[i] = acc; acc *= dims[i]; }
        return s;
    }

    private static TensorProto valueOf(NodeProto constant) {
        if (constant.getOutputCount() != 1) return null;
        for (AttributeProto a : constant.getAttributeList())
            if (a.getName().equals("value") && a.hasT()) return a.getT().toBuilder().setName(constant.getOutput(0)).build();
        return null;
    }

    private static NodeProto constantNode(TensorProto t) {
        return NodeProto.newBuilder().setOpType("Constant").setName(t.getName()).addOutput(t.getName())
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t)).build();
    }
}
