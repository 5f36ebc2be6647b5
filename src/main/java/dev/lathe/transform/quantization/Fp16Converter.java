package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * float16 layers for GPU execution: the chosen MatMul, Gemm and Conv layers get float16 weights and biases
 * (a MatMul's bias Add included) and compute in float16 between a Cast of their input (one per tensor,
 * however many layers read it) and a Cast of their output back to float32. Everything else, normalization and
 * softmax included, stays float32, and so do the model's inputs and outputs. Whether a provider can run it is
 * a property of the provider, checked by {@code CandidateBuilder} before a candidate is measured.
 */
public final class Fp16Converter {
    private Fp16Converter() {}

    public static int convert(MutableGraph g, Set<String> layers) {
        Map<String, String> castInputs = new HashMap<>();
        int done = 0;
        for (String id : LayerWeights.inGraphOrder(g, layers)) {
            int index = NodeNames.indexOf(g, id);
            NodeProto n = g.node(index);
            String base = LayerWeights.safeName(id);
            NodeProto.Builder b = n.toBuilder();
            for (int i = 1; i < n.getInputCount(); i++) {
                if (n.getInput(i).isEmpty()) continue;
                TensorProto t = g.initializer(n.getInput(i));
                if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE) throw new IllegalArgumentException("layer " + id + " has a computed weight; fp16 needs constants");
                b.setInput(i, half(g, t, base));
            }
            String x = n.getInput(0);
            String xh = castInputs.get(x);
            List<NodeProto> before = new java.util.ArrayList<>();
            if (xh == null) {
                xh = g.uniqueName(LayerWeights.safeName(x) + "_fp16");
                castInputs.put(x, xh);
                before.add(cast(x, xh, TensorProto.DataType.FLOAT16));
            }
            b.setInput(0, xh);
            // A MatMul's bias Add runs in float16 with it, so the cast back comes after the bias.
            LinearLayer linear = LinearLayer.of(g, n).filter(l -> l.biasAdd() != null).orElse(null);
            String output = linear != null ? linear.output() : n.getOutput(0);
            String yh = g.uniqueName(base + "_out_fp16");
            if (linear != null) {
                int addIndex = NodeNames.require(g, linear.biasAdd());
                String product = g.uniqueName(base + "_product_fp16");
                b.setOutput(0, product);
                String biasHalf = half(g, g.initializer(linear.bias()), base);
                g.replaceNode(addIndex, g.node(addIndex).toBuilder().clearInput().addInput(product).addInput(biasHalf).setOutput(0, yh).build());
                g.insertNodes(addIndex + 1, List.of(cast(yh, output, TensorProto.DataType.FLOAT)));
            } else {
                b.setOutput(0, yh);
                g.insertNodes(index + 1, List.of(cast(yh, output, TensorProto.DataType.FLOAT)));
            }
            g.replaceNode(index, b.build());
            g.insertNodes(index, before);
            done++;
        }
        return done;
    }

    private static String half(MutableGraph g, TensorProto t, String base) {
        float[] v = Tensors.toFloats(t);
        ByteBuffer buf = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) buf.putShort(Float.floatToFloat16(f));
        String name = g.uniqueName(LayerWeights.safeName(t.getName()) + "_fp16");
        g.putInitializer(Tensors.bytes(name, TensorProto.DataType.FLOAT16, Tensors.dims(t), buf.array()));
        return name;
    }

    private static NodeProto cast(String in, String out, TensorProto.DataType to) {
        return NodeProto.newBuilder().setOpType("Cast").setName(out + "_cast").addInput(in).addOutput(out)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(to.getNumber())).build();
    }
}
