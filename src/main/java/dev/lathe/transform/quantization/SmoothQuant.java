package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.AttentionRoles;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * SmoothQuant (Xiao et al. 2022): moves the outlier channels of a layer's input into its weight before int8
 * quantization. Per-tensor activation quantization spends its whole range on a few channels that are far larger
 * than the rest (a transformer's residual stream); with {@code s_j = max|X_j|^alpha / max|W_j|^(1-alpha)} the
 * layer computes {@code (X / s) (diag(s) W)}, the same product, with flatter activations and a weight that its
 * per-column scales still quantize well.
 *
 * <p>Layers reading one tensor share one {@code s} (query, key and value: the weight maximum is taken over all of
 * them, as the paper and Neural Compressor's {@code scales_per_op=False} do), and so do the float32 MatMul/Gemm
 * layers reading it, whose rows are scaled too (exact in float), so that {@code s} does not depend on which of them
 * a genome quantizes. The division by {@code s} is folded where the tensor's producer absorbs it exactly and
 * nothing but these layers reads the tensor: the constants of a decomposed LayerNorm's {@code Mul(gamma)} and
 * {@code Add(beta)}, a {@code LayerNormalization}'s scale and bias, a per-channel constant {@code Mul}, the output
 * columns and bias of a producing MatMul/Gemm, or the value projection of an attention block whose merged heads the
 * layer reads (the head split, the attention product and the merge keep every channel apart). Elsewhere one
 * {@code Mul} by {@code 1/s} goes in front of the layers; the other readers (a residual Add, layers at int4 or
 * float16) keep the original tensor. A scalar {@code Mul} (GELU's 0.5) is not folded into: ONNX Runtime fuses GELU
 * only with its scalar.
 */
public final class SmoothQuant {
    /** Floor of s and of max|W|^(1-alpha), as Neural Compressor clips them. */
    private static final double MIN_SCALE = 1e-5;

    private SmoothQuant() {}

    /** One smoothed tensor: the layers that read it through {@code s}, and its width (their weights' input count). */
    public record Target(String tensor, List<String> layers, int width) {}

    /**
     * What smoothing will touch on a graph: one target per layer input, in graph order, and the attention groups of
     * the model (by their roles, a value projection absorbs 1/s for the output projection reading its merged heads).
     */
    public record Plan(List<Target> targets, List<PrunableGroup> attention) {
        /** Tensor name to width: the channel maxima {@link #apply} needs. */
        public Map<String, Integer> widths() {
            Map<String, Integer> out = new LinkedHashMap<>();
            targets.forEach(t -> out.put(t.tensor(), t.width()));
            return out;
        }

        /** Every layer whose weight rows are scaled, sorted (keys caches: the smoothed values depend on exactly these). */
        public Set<String> layers() {
            Set<String> out = new TreeSet<>();
            targets.forEach(t -> out.addAll(t.layers()));
            return out;
        }

        public boolean isEmpty() { return targets.isEmpty(); }
    }

    /** What {@link #apply} did: tensors smoothed, of which folded into their producer and given a Mul. */
    public record Result(int tensors, int folded, int multiplied) {}

    /** As {@link #plan(MutableGraph, Set, Set, List)}, with the attention groups of {@code g} itself. */
    public static Plan plan(MutableGraph g, Set<String> quantized, Set<String> keepOriginal) {
        return plan(g, quantized, keepOriginal, GroupFinder.analyze(g).attention());
    }

    /**
     * The inputs of the {@code quantized} MatMul/Gemm layers, each with every MatMul/Gemm that reads it except
     * those in {@code keepOriginal} (layers at another reduced precision, which read the original tensor).
     * {@code attention}: the model's attention groups, from its analysis (the graph may since have been pruned:
     * roles are by name, and widths are read from the graph as it is).
     */
    public static Plan plan(MutableGraph g, Set<String> quantized, Set<String> keepOriginal, List<PrunableGroup> attention) {
        Map<String, Target> byTensor = new LinkedHashMap<>();
        for (NodeProto n : g.nodes()) {
            if (!quantized.contains(NodeNames.id(n)) || !smoothable(g, n)) continue;
            String x = n.getInput(0);
            if (byTensor.containsKey(x)) continue;
            List<String> readers = new ArrayList<>();
            for (int c : g.consumers(x)) {
                NodeProto r = g.node(c);
                String id = NodeNames.id(r);
                if (smoothable(g, r) && r.getInput(0).equals(x) && !keepOriginal.contains(id) && !readers.contains(id)) readers.add(id);
            }
            byTensor.put(x, new Target(x, List.copyOf(readers), inputWidth(g, n)));
        }
        return new Plan(List.copyOf(byTensor.values()), List.copyOf(attention));
    }

    /** A linear layer (a MatMul or Gemm, not transposing its input, with a constant 2-D float weight). */
    static boolean smoothable(MutableGraph g, NodeProto n) {
        return LinearLayer.of(g, n).isPresent();
    }

    private static int inputWidth(MutableGraph g, NodeProto n) {
        return (int) LinearLayer.of(g, n).orElseThrow().inputs();
    }

    /** The smoothing factors of one target: {@code max|X_j|^alpha / max over its layers of max|W_j|^(1-alpha)}. */
    static double[] scales(MutableGraph g, Target t, float[] inputMax, double alpha) {
        if (inputMax.length != t.width())
            throw new IllegalArgumentException("channel maxima of " + t.tensor() + " have " + inputMax.length + " channels, its layers read " + t.width());
        double[] weightMax = new double[t.width()];
        for (String id : t.layers()) {
            NodeProto n = g.node(NodeNames.indexOf(g, id));
            LayerWeights.Matrix w = LayerWeights.matrix(g.initializer(n.getInput(1)), LayerWeights.transposed(n));
            for (int j = 0; j < w.k(); j++) for (int c = 0; c < w.n(); c++) weightMax[j] = Math.max(weightMax[j], Math.abs(w.at(j, c)));
        }
        double[] s = new double[t.width()];
        for (int j = 0; j < s.length; j++) {
            // A channel never seen (or a zero weight row) has nothing to balance.
            if (!(inputMax[j] > 0) || !(weightMax[j] > 0)) { s[j] = 1; continue; }
            s[j] = Math.max(MIN_SCALE, Math.pow(inputMax[j], alpha) / Math.max(MIN_SCALE, Math.pow(weightMax[j], 1 - alpha)));
        }
        return s;
    }

    /**
     * Smooths the plan's tensors with their channel maxima ({@code max|x|} over calibration data, per channel of
     * the last axis, measured on this graph before smoothing).
     */
    public static Result apply(MutableGraph g, Plan plan, Map<String, float[]> channelMaxima, double alpha) {
        if (!(alpha > 0 && alpha <= 1)) throw new IllegalArgumentException("SmoothQuant alpha must be in (0, 1], got " + alpha);
        // Every factor from the weights as they are, then every edit: row scalings, folds and Muls commute.
        Map<Target, double[]> factors = new LinkedHashMap<>();
        for (Target t : plan.targets()) {
            float[] max = channelMaxima.get(t.tensor());
            if (max == null) throw new IllegalStateException("no channel maxima for " + t.tensor());
            factors.put(t, scales(g, t, max, alpha));
        }
        Map<Target, Runnable> folds = new LinkedHashMap<>();
        for (Map.Entry<Target, double[]> e : factors.entrySet()) {
            Runnable fold = foldInto(g, e.getKey(), inverse(e.getValue()), plan.attention());
            if (fold != null) folds.put(e.getKey(), fold);
        }
        for (Map.Entry<Target, double[]> e : factors.entrySet())
            for (String id : e.getKey().layers()) scaleWeight(g, NodeNames.indexOf(g, id), e.getValue(), true, 0);
        folds.values().forEach(Runnable::run);
        int multiplied = 0;
        for (Map.Entry<Target, double[]> e : factors.entrySet()) {
            if (folds.containsKey(e.getKey())) continue;
            insertMul(g, e.getKey(), inverse(e.getValue()));
            multiplied++;
        }
        return new Result(factors.size(), folds.size(), multiplied);
    }

    private static double[] inverse(double[] s) {
        double[] r = new double[s.length];
        for (int j = 0; j < s.length; j++) r[j] = 1 / s[j];
        return r;
    }

    /**
     * The layer's weight times {@code f} along its input axis (K: multiplying the layer's rows by s) or its output
     * axis (N: dividing a producer's outputs by s), channels {@code from} to {@code from + f.length}, in a weight of
     * its own. The weight is [K, N], or [N, K] for a transposed Gemm.
     */
    private static void scaleWeight(MutableGraph g, int index, double[] f, boolean inputAxis, int from) {
        NodeProto n = g.node(index);
        TensorProto w = g.initializer(n.getInput(1));
        float[] v = Tensors.toFloats(w);
        int rows = (int) w.getDims(0), cols = (int) w.getDims(1);
        boolean channelIsRow = inputAxis != LayerWeights.transposed(n);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                int k = (channelIsRow ? r : c) - from;
                if (k >= 0 && k < f.length) v[r * cols + c] = (float) (v[r * cols + c] * f[k]);
            }
        g.setPrivateConstantInput(index, 1, Tensors.floats(w.getName(), Tensors.dims(w), v));
    }

    /**
     * The edit that divides the target's tensor by s at its producer, or null when the producer cannot absorb it
     * exactly or something besides the target's layers reads the tensor. Decided before any edit.
     */
    private static Runnable foldInto(MutableGraph g, Target t, double[] inv, List<PrunableGroup> attention) {
        String x = t.tensor();
        if (g.isGraphOutput(x)) return null;
        Set<String> readers = new LinkedHashSet<>();
        for (int c : g.consumers(x)) readers.add(NodeNames.id(g.node(c)));
        if (!readers.equals(new LinkedHashSet<>(t.layers()))) return null;
        int p = g.producer(x);
        if (p < 0) return null;
        NodeProto producer = g.node(p);
        switch (producer.getOpType()) {
            case "LayerNormalization" -> {
                if (MutableGraph.intAttribute(producer, "axis", -1) != -1) return null;
                for (int o = 1; o < producer.getOutputCount(); o++)
                    if (!producer.getOutput(o).isEmpty() && (!g.consumers(producer.getOutput(o)).isEmpty() || g.isGraphOutput(producer.getOutput(o)))) return null;
                List<Integer> inputs = new ArrayList<>(List.of(1));
                if (producer.getInputCount() > 2 && !producer.getInput(2).isEmpty()) inputs.add(2);
                for (int i : inputs) if (perChannelConstant(g, producer.getInput(i), inv.length, true) == null) return null;
                return () -> inputs.forEach(i -> scaleConstantInput(g, p, i, inv));
            }
            case "Mul" -> {
                int ci = constantSide(g, producer, inv.length, false);
                return ci < 0 ? null : () -> scaleConstantInput(g, p, ci, inv);
            }
            case "MatMul", "Gemm" -> {
                return linearFold(g, p, inv, -1);
            }
            case "Add" -> {
                int ci = constantSide(g, producer, inv.length, true);
                if (ci < 0) return null;
                String a = producer.getInput(1 - ci);
                if (g.isGraphOutput(a) || g.consumers(a).size() != 1) return null;
                int ap = g.producer(a);
                if (ap < 0) return null;
                NodeProto before = g.node(ap);
                if (before.getOpType().equals("Mul")) {
                    int gi = constantSide(g, before, inv.length, true);
                    if (gi < 0) return null;
                    return () -> { scaleConstantInput(g, ap, gi, inv); scaleConstantInput(g, p, ci, inv); };
                }
                if (before.getOpType().equals("MatMul") || before.getOpType().equals("Gemm")) {
                    Runnable linear = linearFold(g, ap, inv, -1);
                    return linear == null ? null : () -> { linear.run(); scaleConstantInput(g, p, ci, inv); };
                }
                return null;
            }
            case "Reshape" -> {
                return valueProjectionFold(g, t, inv, attention);
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * A MatMul or Gemm writing the tensor: its weight's output columns {@code offset .. offset + K} (all of them for
     * -1) and a Gemm's bias divided by s.
     */
    private static Runnable linearFold(MutableGraph g, int index, double[] inv, int offset) {
        NodeProto n = g.node(index);
        if (n.getInputCount() < 2) return null;
        TensorProto w = g.initializer(n.getInput(1));
        if (w == null || w.getDimsCount() != 2 || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) return null;
        boolean transposed = LayerWeights.transposed(n);
        int outputs = (int) w.getDims(transposed ? 0 : 1);
        int from = Math.max(offset, 0);
        if (offset < 0 && outputs != inv.length || from + inv.length > outputs) return null;
        boolean gemmBias = n.getOpType().equals("Gemm") && n.getInputCount() > 2 && !n.getInput(2).isEmpty();
        if (gemmBias && (offset >= 0 || perChannelConstant(g, n.getInput(2), inv.length, true) == null)) return null;
        return () -> {
            scaleWeight(g, index, inv, false, from);
            if (gemmBias) scaleConstantInput(g, index, 2, inv);
        };
    }


    /**
     * The tensor is an attention block's merged heads: divide the value projection's output columns (and bias) by s.
     * The attention analysis has checked the split, the score-weighted sum and the merge, which keep channel
     * {@code h * D + d} of the value projection channel {@code h * D + d} of the merged heads. The value side's
     * place in a fused projection is counted in widths of the merged heads as the graph has them now (pruned or not).
     */
    private static Runnable valueProjectionFold(MutableGraph g, Target t, double[] inv, List<PrunableGroup> attention) {
        if (t.layers().size() != 1) return null;
        for (PrunableGroup group : attention) {
            if (group.consumer() == null || !group.consumer().input().equals(t.tensor())) continue;
            AttentionRoles.Projection value = group.attention().value();
            int vi = NodeNames.indexOf(g, value.node());
            LinearLayer v = vi < 0 ? null : LinearLayer.of(g, g.node(vi)).orElse(null);
            if (v == null || !v.weight().equals(value.weight()) || v.outputAxis() != value.outputAxis()) return null;
            if (g.consumers(value.weight()).size() != 1 || v.outputs() != (long) value.parts() * inv.length) return null;
            int offset = value.side() * inv.length;
            Runnable weight = () -> scaleWeight(g, vi, inv, false, offset);
            if (value.bias() == null) return weight;
            List<Integer> bReaders = g.consumers(value.bias());
            if (bReaders.size() != 1) return null;
            int bi = bReaders.get(0);
            int input = g.node(bi).getInputList().indexOf(value.bias());
            if (input < 0) return null;
            return () -> { weight.run(); scaleConstantSlice(g, bi, input, inv, offset); };
        }
        return null;
    }

    /** Input index (0 or 1) of a constant the node's other input is scaled by per channel, or -1. */
    private static int constantSide(MutableGraph g, NodeProto n, int width, boolean scalarAllowed) {
        for (int i = 0; i < 2 && i < n.getInputCount(); i++)
            if (perChannelConstant(g, n.getInput(i), width, scalarAllowed) != null && g.constant(n.getInput(1 - i)).isEmpty()) return i;
        return -1;
    }

    /** The constant if it holds one value per channel of the last axis (or, if allowed, one value for all), else null. */
    private static TensorProto perChannelConstant(MutableGraph g, String name, int width, boolean scalarAllowed) {
        TensorProto c = g.constant(name).orElse(null);
        if (c == null || c.getDataType() != TensorProto.DataType.FLOAT_VALUE) return null;
        long count = Tensors.elementCount(c);
        if (count == 1 && scalarAllowed) return c;
        if (count != width || c.getDimsCount() == 0 || c.getDims(c.getDimsCount() - 1) != width) return null;
        return c;
    }

    /** Input {@code input} of node {@code index}, a constant over the last axis, times inv, as a constant of its own. */
    private static void scaleConstantInput(MutableGraph g, int index, int input, double[] inv) {
        TensorProto c = g.constant(g.node(index).getInput(input)).orElseThrow();
        float[] v = Tensors.toFloats(c);
        long[] dims = Tensors.dims(c);
        float[] out;
        if (v.length == 1) { // a scalar beside a per-channel factor becomes a vector
            out = new float[inv.length];
            for (int j = 0; j < out.length; j++) out[j] = (float) (v[0] * inv[j]);
            dims = new long[] {inv.length};
        } else {
            out = new float[v.length];
            for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] * inv[i % inv.length]);
        }
        g.setPrivateConstantInput(index, input, Tensors.floats(c.getName(), dims, out));
    }

    /** Elements {@code offset .. offset + K} of a 1-D constant input times inv. */
    private static void scaleConstantSlice(MutableGraph g, int index, int input, double[] inv, int offset) {
        TensorProto c = g.constant(g.node(index).getInput(input)).orElseThrow();
        float[] v = Tensors.toFloats(c);
        for (int j = 0; j < inv.length; j++) v[offset + j] = (float) (v[offset + j] * inv[j]);
        g.setPrivateConstantInput(index, input, Tensors.floats(c.getName(), Tensors.dims(c), v));
    }

    /**
     * One {@code Mul} by 1/s before the first of the target's layers, which all read its output; the name is the
     * tensor's own plus {@code _smoothed}, the same in every candidate (static int8 calibrates it by name).
     */
    private static void insertMul(MutableGraph g, Target t, double[] inv) {
        String out = t.tensor() + "_smoothed";
        for (int k = 2; g.producer(out) >= 0 || g.isInitializer(out); k++) out = t.tensor() + "_smoothed_" + k;
        String scale = g.uniqueName(t.tensor() + "_smooth_scale");
        float[] values = new float[inv.length];
        for (int j = 0; j < values.length; j++) values[j] = (float) inv[j];
        g.putInitializer(Tensors.floats(scale, new long[] {values.length}, values));
        int first = Integer.MAX_VALUE;
        for (String id : t.layers()) {
            int i = NodeNames.indexOf(g, id);
            first = Math.min(first, i);
            g.replaceNode(i, g.node(i).toBuilder().setInput(0, out).build());
        }
        g.insertNodes(first, List.of(NodeProto.newBuilder().setOpType("Mul").setName(out).addInput(t.tensor()).addInput(scale).addOutput(out).build()));
    }
}
