package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OpsetUpgrade;
import dev.lathe.model.Tensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Int8 static quantization in QDQ form, the form ONNX Runtime's quantizer writes and its graph optimizer fuses
 * into integer kernels: every quantized layer reads its activation through a QuantizeLinear/DequantizeLinear
 * pair with a range calibrated beforehand ({@link ActivationCalibrator}), its weight through a
 * DequantizeLinear of int8 per-channel symmetric values (opset 13's {@code axis}), and a Conv or Gemm bias
 * through a DequantizeLinear of int32 values at the scale input x weight. A Conv's output (after its Relu,
 * if one follows) gets a pair as well, so ONNX Runtime runs DQ-Conv-Q as one QLinearConv and drops the Relu
 * into the range; MatMul and Gemm outputs stay float (MatMulIntegerToFloat, QGemm with float output).
 * Activations are uint8 with a zero point, or symmetric int8 if asked.
 *
 * <p>On x86 CPUs without VNNI, ONNX Runtime's uint8 x int8 kernels saturate 16-bit sums of two products, so the
 * fused model can differ from its QDQ arithmetic where large activations meet large weights of the same sign;
 * {@link QuantizationOptions#reduceRange()} avoids it with 7-bit weights.
 */
public final class StaticInt8Quantizer {
    /** Operators that pass values through unchanged in range: their output shares their input's scale. */
    private static final Set<String> RANGE_PRESERVING = Set.of("MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity");

    private StaticInt8Quantizer() {}

    /**
     * Per-channel weight scales need DequantizeLinear's {@code axis} (opset 13). An older model is raised to 13, its
     * operators whose form changed rewritten ({@link OpsetUpgrade}); one with control flow is refused with the reason.
     */
    public static void requirePerChannelOpset(MutableGraph g) {
        int opset = 0;
        for (var o : g.original().getOpsetImportList()) if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) opset = (int) o.getVersion();
        if (opset >= 13) return;
        final int from = opset;
        OpsetUpgrade.obstacle(g.nodes(), opset, 13).ifPresent(n -> {
            throw new IllegalArgumentException("int8_static needs ONNX opset 13 for per-channel weight scales; this model is opset " + from
                    + " and its " + n.getOpType() + " node " + NodeNames.id(n) + " holds a subgraph that cannot be raised to opset 13 (re-export the model at opset 13 or later)");
        });
        g.requireOpset("", 13);
    }

    /**
     * Folds a BatchNormalization that alone reads a chosen Conv's output into the Conv's filter and bias. ONNX
     * Runtime folds it at load time for float filters, which a quantized filter would prevent; folding first
     * quantizes the filter that actually runs.
     */
    public static void foldBatchNorms(MutableGraph g, Set<String> layers) {
        for (String id : layers) {
            int ci = NodeNames.indexOf(g, id);
            if (ci < 0) continue;
            NodeProto conv = g.node(ci);
            if (!conv.getOpType().equals("Conv")) continue;
            String out = conv.getOutput(0);
            List<Integer> cons = g.consumers(out);
            if (cons.size() != 1 || g.isGraphOutput(out)) continue;
            NodeProto bn = g.node(cons.get(0));
            if (!bn.getOpType().equals("BatchNormalization") || bn.getOutputCount() > 1 && !bn.getOutput(1).isEmpty()) continue;
            TensorProto w = g.initializer(conv.getInput(1));
            int m = (int) w.getDims(0);
            float[][] p = new float[4][];
            boolean constant = true;
            for (int k = 0; k < 4; k++) {
                TensorProto t = g.initializer(bn.getInput(k + 1));
                if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE || Tensors.elementCount(t) != m) { constant = false; break; }
                p[k] = Tensors.toFloats(t);
            }
            if (!constant) continue;
            float eps = MutableGraph.floatAttribute(bn, "epsilon", 1e-5f);
            float[] filter = Tensors.toFloats(w);
            float[] bias = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty() ? Tensors.toFloats(g.initializer(conv.getInput(2))) : new float[m];
            int per = filter.length / m;
            float[] folded = new float[filter.length], foldedBias = new float[m];
            for (int c = 0; c < m; c++) {
                double s = p[0][c] / Math.sqrt((double) p[3][c] + eps);
                for (int j = 0; j < per; j++) folded[c * per + j] = (float) (filter[c * per + j] * s);
                foldedBias[c] = (float) ((bias[c] - p[2][c]) * s + p[1][c]);
            }
            String base = LayerWeights.safeName(id);
            String wName = g.uniqueName(base + "_bn_folded_w"), bName = g.uniqueName(base + "_bn_folded_b");
            g.putInitializer(Tensors.floats(wName, Tensors.dims(w), folded));
            g.putInitializer(Tensors.floats(bName, new long[] {m}, foldedBias));
            NodeProto.Builder b = conv.toBuilder().setName(id).setInput(1, wName).setOutput(0, bn.getOutput(0));
            if (b.getInputCount() > 2) b.setInput(2, bName); else b.addInput(bName);
            g.replaceNode(ci, b.build());
            g.removeNode(cons.get(0));
        }
    }

    /** The float tensors whose calibrated ranges {@link #quantize} needs for these layers. */
    public static Set<String> tensorsToCalibrate(MutableGraph g, Set<String> layers) {
        Set<String> out = new LinkedHashSet<>();
        for (String id : LayerWeights.inGraphOrder(g, layers)) {
            NodeProto n = g.node(NodeNames.indexOf(g, id));
            out.add(n.getInput(0));
            String y = quantizedOutput(g, n);
            if (y != null) out.add(y);
        }
        return out;
    }

    /** A Conv's output quantized after it: after its Relu when one alone reads it; null when it is a model output. */
    private static String quantizedOutput(MutableGraph g, NodeProto n) {
        if (!n.getOpType().equals("Conv")) return null;
        String y = n.getOutput(0);
        if (g.isGraphOutput(y)) return null;
        List<Integer> cons = g.consumers(y);
        if (cons.size() == 1 && g.node(cons.get(0)).getOpType().equals("Relu")) {
            String r = g.node(cons.get(0)).getOutput(0);
            return g.isGraphOutput(r) ? null : r;
        }
        return y;
    }

    /** Quantization parameters of one activation: its DequantizeLinear output and the shared scale / zero point. */
    private record Quantized(String dequantized, String scale, String zeroPoint, float scaleValue) {}

    /** Quantizes the layers; {@code ranges} holds a range for every tensor {@link #tensorsToCalibrate} named. */
    public static int quantize(MutableGraph g, Set<String> layers, Map<String, ActivationCalibrator.Range> ranges, QuantizationOptions options) {
        if (layers.isEmpty()) return 0;
        requirePerChannelOpset(g);
        Map<String, Quantized> byTensor = new HashMap<>();
        Map<String, Quantized> byDequantized = new HashMap<>();
        int done = 0;
        for (String id : LayerWeights.inGraphOrder(g, layers)) {
            Quantized x = activation(g, g.node(NodeNames.indexOf(g, id)).getInput(0), ranges, options, byTensor, byDequantized);
            int index = NodeNames.indexOf(g, id); // after the activation's pair went in
            NodeProto n = g.node(index);
            String op = n.getOpType();
            TensorProto w = g.initializer(n.getInput(1));
            String base = LayerWeights.safeName(id);
            int axis = op.equals("Conv") || LayerWeights.transposed(n) ? 0 : 1;
            float[] values = Tensors.toFloats(w);
            long[] dims = Tensors.dims(w);
            int channels = (int) dims[axis];
            int limit = options.weightLimit();
            float[] scales = perChannelScales(values, dims, axis, limit);
            byte[] q = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                int c = channelOf(i, dims, axis);
                q[i] = (byte) Math.max(-limit, Math.min(limit, Math.rint(values[i] / scales[c])));
            }
            String wq = g.uniqueName(base + "_w_int8"), ws = g.uniqueName(base + "_w_scale"), wz = g.uniqueName(base + "_w_zero"), wdq = g.uniqueName(base + "_w_dq");
            g.putInitializer(Tensors.bytes(wq, TensorProto.DataType.INT8, dims, q));
            g.putInitializer(Tensors.floats(ws, new long[] {channels}, scales));
            g.putInitializer(Tensors.bytes(wz, TensorProto.DataType.INT8, new long[] {channels}, new byte[channels]));
            NodeProto.Builder b = n.toBuilder().setInput(0, x.dequantized()).setInput(1, wdq);
            java.util.List<NodeProto> before = new java.util.ArrayList<>();
            before.add(dequantize(wq, ws, wz, wdq, axis));
            float[] bias = op.equals("Gemm") ? LayerWeights.gemmBias(g, n, channels)
                    : op.equals("Conv") && n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? Tensors.toFloats(g.initializer(n.getInput(2))) : null;
            if (bias != null) {
                // int32 at scale x_scale * w_scale, as ONNX Runtime's quantizer writes biases for QLinearConv and QGemm.
                float[] bs = new float[channels];
                ByteBuffer bq = ByteBuffer.allocate(4 * channels).order(ByteOrder.LITTLE_ENDIAN);
                for (int c = 0; c < channels; c++) {
                    bs[c] = x.scaleValue() * scales[c];
                    bq.putInt((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.rint(bias[c] / bs[c]))));
                }
                String bqName = g.uniqueName(base + "_b_int32"), bsName = g.uniqueName(base + "_b_scale"), bzName = g.uniqueName(base + "_b_zero"),
                        bdq = g.uniqueName(base + "_b_dq");
                g.putInitializer(Tensors.bytes(bqName, TensorProto.DataType.INT32, new long[] {channels}, bq.array()));
                g.putInitializer(Tensors.floats(bsName, new long[] {channels}, bs));
                g.putInitializer(Tensors.bytes(bzName, TensorProto.DataType.INT32, new long[] {channels}, new byte[4 * channels]));
                before.add(dequantize(bqName, bsName, bzName, bdq, 0));
                b.setInput(2, bdq);
            }
            g.replaceNode(index, b.build());
            g.insertNodes(index, before);
            String y = quantizedOutput(g, b.build());
            if (y != null) {
                Quantized yq = activation(g, y, ranges, options, byTensor, byDequantized);
                // Everything downstream reads the dequantized output, so a following quantized layer reuses it.
                for (int i = 0; i < g.nodeCount(); i++) {
                    NodeProto c = g.node(i);
                    if (c.getOpType().equals("QuantizeLinear") && c.getInput(0).equals(y)) continue;
                    if (!c.getInputList().contains(y)) continue;
                    NodeProto.Builder cb = c.toBuilder();
                    for (int k = 0; k < cb.getInputCount(); k++) if (cb.getInput(k).equals(y)) cb.setInput(k, yq.dequantized());
                    g.replaceNode(i, cb.build());
                }
            }
            done++;
        }
        return done;
    }

    /**
     * The quantized form of an activation, made once per tensor: a QuantizeLinear/DequantizeLinear pair right
     * after its producer. A tensor already dequantized by such a pair is used as it is; the output of a
     * range-preserving operator (MaxPool, Reshape, ...) over a quantized tensor takes that tensor's scale, so
     * ONNX Runtime can run the operator on the integers.
     */
    private static Quantized activation(MutableGraph g, String x, Map<String, ActivationCalibrator.Range> ranges, QuantizationOptions options,
                                        Map<String, Quantized> byTensor, Map<String, Quantized> byDequantized) {
        if (byDequantized.containsKey(x)) return byDequantized.get(x);
        if (byTensor.containsKey(x)) return byTensor.get(x);
        int producer = g.producer(x);
        String base = LayerWeights.safeName(x);
        String scale, zero;
        float scaleValue;
        Quantized inherited = null;
        if (producer >= 0 && RANGE_PRESERVING.contains(g.node(producer).getOpType())) inherited = byDequantized.get(g.node(producer).getInput(0));
        if (inherited != null) {
            scale = inherited.scale();
            zero = inherited.zeroPoint();
            scaleValue = inherited.scaleValue();
        } else {
            ActivationCalibrator.Range r = ranges.get(x);
            if (r == null) throw new IllegalStateException("no calibrated range for " + x);
            double lo = Math.min(r.min(), 0), hi = Math.max(r.max(), 0);
            boolean symmetric = options.symmetricActivations();
            int qmin = symmetric ? -127 : 0, qmax = symmetric ? 127 : 255;
            if (symmetric) { double a = Math.max(-lo, hi); lo = -a; hi = a; }
            double s = (hi - lo) / (qmax - qmin);
            long zp = Math.round(Math.rint(qmin - lo / s));
            if (!(s >= Float.MIN_NORMAL)) { s = 1; zp = 0; } // an all-zero tensor: ONNX Runtime's fallback
            zp = Math.max(qmin, Math.min(qmax, zp));
            scaleValue = (float) s;
            scale = g.uniqueName(base + "_scale");
            zero = g.uniqueName(base + "_zero");
            g.putInitializer(Tensors.floats(scale, new long[0], new float[] {scaleValue}));
            g.putInitializer(Tensors.bytes(zero, symmetric ? TensorProto.DataType.INT8 : TensorProto.DataType.UINT8, new long[0], new byte[] {(byte) zp}));
        }
        String q = g.uniqueName(base + "_q"), dq = g.uniqueName(base + "_dq");
        NodeProto quant = NodeProto.newBuilder().setOpType("QuantizeLinear").setName(q).addInput(x).addInput(scale).addInput(zero).addOutput(q).build();
        NodeProto dequant = NodeProto.newBuilder().setOpType("DequantizeLinear").setName(dq).addInput(q).addInput(scale).addInput(zero).addOutput(dq).build();
        g.insertNodes(producer + 1, List.of(quant, dequant));
        Quantized result = new Quantized(dq, scale, zero, scaleValue);
        byTensor.put(x, result);
        byDequantized.put(dq, result);
        return result;
    }

    private static NodeProto dequantize(String x, String scale, String zero, String output, int axis) {
        return NodeProto.newBuilder().setOpType("DequantizeLinear").setName(output).addInput(x).addInput(scale).addInput(zero).addOutput(output)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(axis)).build();
    }

    /** Symmetric int8 scales, one per slice along {@code axis}: max |w| / limit (1 for an all-zero slice). */
    static float[] perChannelScales(float[] values, long[] dims, int axis, int limit) {
        float[] max = new float[(int) dims[axis]];
        for (int i = 0; i < values.length; i++) {
            int c = channelOf(i, dims, axis);
            max[c] = Math.max(max[c], Math.abs(values[i]));
        }
        for (int c = 0; c < max.length; c++) max[c] = max[c] > 0 ? max[c] / limit : 1f;
        return max;
    }

    private static int channelOf(int flatIndex, long[] dims, int axis) {
        long inner = 1;
        for (int d = axis + 1; d < dims.length; d++) inner *= dims[d];
        return (int) ((flatIndex / inner) % dims[axis]);
    }
}
