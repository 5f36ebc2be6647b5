package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * 4-bit weight-only quantization as {@code com.microsoft.MatMulNBits}: each output column's weights are cut
 * along K into blocks of 32, 64 or 128, and each block gets its own scale and 4-bit zero point (asymmetric,
 * the range widened to include 0, as ONNX Runtime's {@code matmul_4bits_quantizer} does by default).
 * Activations stay float32; the kernel unpacks the weights. Layout, per the contrib operator schema:
 * B is uint8 [N, blocks, block/2] with the first of each pair of values in the low nibble, scales float
 * [N * blocks], zero points uint8 [N * ceil(blocks / 2)] packed the same way. A Gemm's bias follows as an Add.
 */
public final class Int4WeightQuantizer {
    /**
     * MatMulNBits' accuracy level: 0 computes in float32 on the unpacked weights. Level 4 (int8 activations
     * inside the kernel) is meant to be faster, but on this AVX2 machine without VNNI it measured slower
     * (MiniLM at 128 tokens: 1.19x the float32 time with blocks of 32, against 1.02x at level 0) and no more exact.
     */
    static final long ACCURACY_LEVEL = 0;

    private Int4WeightQuantizer() {}

    /** Quantizes each named layer at its block size; returns how many were changed. */
    public static int quantize(MutableGraph g, Map<String, Integer> blockSizeByLayer) {
        return quantize(g, blockSizeByLayer, ACCURACY_LEVEL);
    }

    /** As {@link #quantize(MutableGraph, Map)}, with MatMulNBits' {@code accuracy_level} (0: float32 arithmetic on the dequantized weights). */
    static int quantize(MutableGraph g, Map<String, Integer> blockSizeByLayer, long accuracyLevel) {
        int done = 0;
        for (String id : LayerWeights.inGraphOrder(g, blockSizeByLayer.keySet())) {
            int index = NodeNames.indexOf(g, id);
            NodeProto n = g.node(index);
            TensorProto w = g.initializer(n.getInput(1));
            if (w == null || w.getDimsCount() != 2) throw new IllegalArgumentException("layer " + id + " has no constant 2-D weight for int4");
            LayerWeights.Matrix m = LayerWeights.matrix(w, LayerWeights.transposed(n));
            Packed p = pack(m, blockSizeByLayer.get(id));
            String base = LayerWeights.safeName(id);
            String bName = g.uniqueName(base + "_w_int4"), sName = g.uniqueName(base + "_w_scales"), zName = g.uniqueName(base + "_w_zeros");
            g.putInitializer(Tensors.bytes(bName, TensorProto.DataType.UINT8, new long[] {m.n(), p.blocks, p.blockSize / 2}, p.weights));
            g.putInitializer(Tensors.floats(sName, new long[] {(long) m.n() * p.blocks}, p.scales));
            g.putInitializer(Tensors.bytes(zName, TensorProto.DataType.UINT8, new long[] {(long) m.n() * ((p.blocks + 1) / 2)}, p.zeros));
            float[] bias = LayerWeights.gemmBias(g, n, m.n());
            String output = n.getOutput(0);
            String product = bias == null ? output : g.uniqueName(base + "_int4_out");
            NodeProto nbits = NodeProto.newBuilder().setOpType("MatMulNBits").setDomain(DynamicInt8Quantizer.MS_DOMAIN)
                    .setName(n.getName().isEmpty() ? base + "_int4" : n.getName())
                    .addInput(n.getInput(0)).addInput(bName).addInput(sName).addInput(zName).addOutput(product)
                    .addAttribute(integer("K", m.k())).addAttribute(integer("N", m.n())).addAttribute(integer("bits", 4))
                    .addAttribute(integer("block_size", p.blockSize)).addAttribute(integer("accuracy_level", accuracyLevel)).build();
            List<NodeProto> replacement = new ArrayList<>(List.of(nbits));
            if (bias != null) {
                String biasName = g.uniqueName(base + "_bias");
                g.putInitializer(Tensors.floats(biasName, new long[] {m.n()}, bias));
                replacement.add(NodeProto.newBuilder().setOpType("Add").setName(base + "_int4_bias").addInput(product).addInput(biasName).addOutput(output).build());
            }
            g.replaceNode(index, replacement.get(0));
            if (replacement.size() > 1) g.insertNodes(index + 1, replacement.subList(1, replacement.size()));
            done++;
        }
        if (done > 0) g.requireOpset(DynamicInt8Quantizer.MS_DOMAIN, 1);
        return done;
    }

    /** The packed tensors of one weight matrix. */
    record Packed(int blockSize, int blocks, byte[] weights, float[] scales, byte[] zeros) {}

    static Packed pack(LayerWeights.Matrix m, int blockSize) {
        if (blockSize < 16 || Integer.bitCount(blockSize) != 1) throw new IllegalArgumentException("int4 block size must be a power of 2 of at least 16, got " + blockSize);
        int k = m.k(), n = m.n(), blocks = (k + blockSize - 1) / blockSize, blob = blockSize / 2;
        byte[] weights = new byte[n * blocks * blob];
        float[] scales = new float[n * blocks];
        byte[] zeros = new byte[n * ((blocks + 1) / 2)];
        int[] q = new int[blockSize];
        for (int col = 0; col < n; col++) {
            for (int b = 0; b < blocks; b++) {
                float lo = 0, hi = 0; // the range includes 0, so padding past K quantizes exactly
                for (int r = b * blockSize; r < Math.min(k, (b + 1) * blockSize); r++) {
                    lo = Math.min(lo, m.at(r, col));
                    hi = Math.max(hi, m.at(r, col));
                }
                float scale = (hi - lo) / 15f;
                int zp = 0;
                if (scale > 0) zp = (int) Math.max(0, Math.min(15, Math.rint(-lo / scale)));
                else scale = 1f;
                for (int j = 0; j < blockSize; j++) {
                    int r = b * blockSize + j;
                    float v = r < k ? m.at(r, col) : 0f;
                    q[j] = (int) Math.max(0, Math.min(15, Math.rint(v / scale) + zp));
                }
                int at = (col * blocks + b) * blob;
                for (int j = 0; j < blob; j++) weights[at + j] = (byte) (q[2 * j] | (q[2 * j + 1] << 4));
                scales[col * blocks + b] = scale;
                int zAt = col * ((blocks + 1) / 2) + b / 2;
                zeros[zAt] = (byte) (b % 2 == 0 ? (zeros[zAt] & 0xF0) | zp : (zeros[zAt] & 0x0F) | (zp << 4));
            }
        }
        return new Packed(blockSize, blocks, weights, scales, zeros);
    }

    /** The weight as MatMulNBits sees it, dequantized back to [K, N]: the reference the tests compare against. */
    static float[] dequantize(Packed p, int k, int n) {
        float[] out = new float[k * n];
        int blob = p.blockSize / 2;
        for (int col = 0; col < n; col++)
            for (int b = 0; b < p.blocks; b++) {
                int zByte = p.zeros[col * ((p.blocks + 1) / 2) + b / 2] & 0xFF;
                int zp = b % 2 == 0 ? zByte & 0x0F : zByte >> 4;
                float s = p.scales[col * p.blocks + b];
                for (int j = 0; j < p.blockSize; j++) {
                    int r = b * p.blockSize + j;
                    if (r >= k) break;
                    int v = p.weights[(col * p.blocks + b) * blob + j / 2] & 0xFF;
                    int qv = j % 2 == 0 ? v & 0x0F : v >> 4;
                    out[r * n + col] = (qv - zp) * s;
                }
            }
        return out;
    }

    private static AttributeProto integer(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }
}
