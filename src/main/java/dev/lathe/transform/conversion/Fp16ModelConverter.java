package dev.lathe.transform.conversion;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.model.TensorTypes;
import dev.lathe.model.Tensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The whole graph in float16, for GPU execution, in the manner of onnxconverter-common's
 * {@code convert_float_to_float16(keep_io_types=True, op_block_list=...)}: every float32 initializer and Constant
 * becomes float16 (values beyond float16's range clamped to ±65504, tiny non-zero ones to ±1e-7 so epsilons stay
 * non-zero), every node computes in float16, Casts to float16 become Casts to float32... except that the model's
 * inputs and outputs stay float32 (a Cast after each input, before each output), and nodes of the kept operator
 * types run in float32 between Casts. By default those are the normalizations and Softmax, whose sums and
 * exponentials lose most in float16, and the unfused LayerNorm pattern (ReduceMean, Sub, Pow, ReduceMean, Add,
 * Sqrt, Div) that many exporters write instead of LayerNormalization.
 *
 * <p>Some inputs must stay float32 whatever the node runs in (Resize's roi and scales, Upsample's scales), and some
 * operators always stay float32: those that make float tensors from an attribute type or random numbers, Range,
 * CumSum, the detection ops, quantization ops, and anything outside the standard domain, whose float16 support
 * differs by provider. Integer tensors (shapes, indices, masks) are never touched. Types of every tensor come from
 * ONNX Runtime ({@link TensorTypes}), since exporters record value_info for some tensors only; value_info entries
 * are retyped to match.
 */
public final class Fp16ModelConverter {
    /** Kept in float32 unless the caller says otherwise. */
    public static final Set<String> DEFAULT_KEEP_FP32 = Set.of("LayerNormalization", "BatchNormalization", "InstanceNormalization",
            "SimplifiedLayerNormalization", "SkipLayerNormalization", "Softmax");

    /** Always float32: float outputs made from attributes or random draws, index arithmetic, detection, quantization. */
    private static final Set<String> ALWAYS_FP32 = Set.of("Range", "CumSum", "NonMaxSuppression", "RoiAlign", "TopK", "EyeLike",
            "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli",
            "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear");

    /** Inputs that stay float32 even when the node runs in float16. */
    private static final Map<String, Set<Integer>> FLOAT32_INPUTS = Map.of("Resize", Set.of(1, 2), "Upsample", Set.of(1));

    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;
    private static final float FP16_MAX = 65504f;
    private static final float MIN_POSITIVE = 1e-7f;

    /** What the conversion did: nodes run in float16, nodes kept in float32 (by operator), Casts added. */
    public record Result(ModelProto model, int fp16Nodes, Map<String, Integer> fp32Nodes, int castsAdded) {}

    private Fp16ModelConverter() {}

    /**
     * @param keepFp32 operator types that stay float32 (e.g. {@link #DEFAULT_KEEP_FP32}); "LayerNormalization" also keeps
     *                 the unfused LayerNorm pattern
     */
    public static Result convert(ModelProto model, Set<String> keepFp32) throws OrtException {
        GraphProto g = model.getGraph();
        for (NodeProto n : g.getNodeList())
            for (AttributeProto a : n.getAttributeList())
                if (a.hasG() || a.getGraphsCount() > 0)
                    throw new IllegalArgumentException("node '" + n.getName() + "' (" + n.getOpType() + ") has a subgraph; whole-model float16 handles graphs without control flow only");
        Map<String, Integer> types = TensorTypes.infer(model);
        Set<String> graphInputs = new HashSet<>();
        g.getInputList().forEach(v -> graphInputs.add(v.getName()));
        Set<String> graphOutputs = new HashSet<>();
        g.getOutputList().forEach(v -> graphOutputs.add(v.getName()));
        Map<String, TensorProto> initializers = new HashMap<>();
        g.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        Set<Integer> keptNodes = keptNodes(g, keepFp32);

        // Which precision each node wants at each float input; a float initializer or Constant is stored in float16
        // when some node reads it in float16.
        Set<String> readIn16 = new HashSet<>();
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (int k = 0; k < n.getInputCount(); k++)
                if (isFloat(types, n.getInput(k)) && wants16(n, i, k, keptNodes)) readIn16.add(n.getInput(k));
        }
        for (String o : graphOutputs) if (types.getOrDefault(o, 0) == FLOAT) readIn16.remove(o);

        Map<String, Boolean> isHalf = new HashMap<>();  // float tensor name -> stored in float16 under that name
        Map<String, String> castOf = new HashMap<>();    // tensor + "@16"/"@32" -> the tensor in the other precision
        List<NodeProto> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        nodes.forEach(n -> { names.addAll(n.getOutputList()); names.add(n.getName()); });
        names.addAll(initializers.keySet());
        names.addAll(graphInputs);
        int[] casts = {0};

        GraphProto.Builder gb = g.toBuilder().clearNode().clearInitializer();
        for (TensorProto t : g.getInitializerList()) {
            // An initializer that is also a graph input (IR < 4) can be fed by the caller in float32, so it stays so.
            boolean half = t.getDataType() == FLOAT && readIn16.contains(t.getName()) && !graphInputs.contains(t.getName());
            gb.addInitializer(half ? toHalf(t) : t);
            if (t.getDataType() == FLOAT) isHalf.put(t.getName(), half);
        }
        for (String in : graphInputs) if (types.getOrDefault(in, 0) == FLOAT && !initializers.containsKey(in)) isHalf.put(in, false);

        int fp16Nodes = 0;
        Map<String, Integer> fp32Nodes = new java.util.TreeMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            boolean half;
            if (n.getOpType().equals("Constant")) half = n.getOutputCount() == 1 && readIn16.contains(n.getOutput(0)) && isFloat(types, n.getOutput(0));
            else half = !keptNodes.contains(i) && n.getOutputList().stream().anyMatch(o -> isFloat(types, o))
                    || !keptNodes.contains(i) && n.getInputList().stream().anyMatch(in -> isFloat(types, in));
            NodeProto.Builder b = n.toBuilder();
            for (int k = 0; k < n.getInputCount(); k++) {
                String in = n.getInput(k);
                if (!isFloat(types, in)) continue;
                boolean want = half && wants16(n, i, k, keptNodes);
                if (isHalf.get(in) != want) b.setInput(k, cast(in, want, castOf, out, names, casts));
            }
            List<NodeProto> after = new ArrayList<>();
            if (half) {
                fp16Nodes++;
                halveAttributes(b);
                for (int k = 0; k < n.getOutputCount(); k++) {
                    String o = n.getOutput(k);
                    if (!isFloat(types, o)) continue;
                    if (graphOutputs.contains(o)) {
                        // The model's output stays float32: the node writes a float16 twin that later float16 readers use.
                        String twin = unique(o + "_fp16", names);
                        b.setOutput(k, twin);
                        after.add(castNode(twin, o, FLOAT, unique(o + "_to_fp32", names)));
                        casts[0]++;
                        isHalf.put(o, false);
                        isHalf.put(twin, true);
                        castOf.put(o + "@16", twin);
                    } else isHalf.put(o, true);
                }
            } else {
                if (!n.getOpType().equals("Constant") && n.getOutputList().stream().anyMatch(o -> isFloat(types, o)))
                    fp32Nodes.merge(n.getOpType(), 1, Integer::sum);
                for (String o : n.getOutputList()) if (isFloat(types, o)) isHalf.put(o, false);
            }
            out.add(b.build());
            out.addAll(after);
        }
        gb.addAllNode(out);
        // value_info follows the new types; tensors Lathe added get theirs from ONNX Runtime.
        List<ValueInfoProto> infos = new ArrayList<>();
        for (ValueInfoProto v : g.getValueInfoList()) {
            if (v.getType().hasTensorType() && v.getType().getTensorType().getElemType() == FLOAT && Boolean.TRUE.equals(isHalf.get(v.getName()))) {
                ValueInfoProto.Builder vb = v.toBuilder();
                vb.getTypeBuilder().getTensorTypeBuilder().setElemType(FLOAT16);
                infos.add(vb.build());
            } else infos.add(v);
        }
        gb.clearValueInfo().addAllValueInfo(infos);
        return new Result(model.toBuilder().setGraph(gb).build(), fp16Nodes, fp32Nodes, casts[0]);
    }

    private static boolean isFloat(Map<String, Integer> types, String tensor) {
        return !tensor.isEmpty() && types.getOrDefault(tensor, 0) == FLOAT;
    }

    private static boolean wants16(NodeProto n, int index, int input, Set<Integer> kept) {
        if (kept.contains(index)) return false;
        return !FLOAT32_INPUTS.getOrDefault(n.getOpType(), Set.of()).contains(input);
    }

    /** The tensor in the other precision, made once by a Cast right after the tensor is available. */
    private static String cast(String tensor, boolean toHalf, Map<String, String> castOf, List<NodeProto> out, Set<String> names, int[] casts) {
        String key = tensor + (toHalf ? "@16" : "@32");
        String known = castOf.get(key);
        if (known != null) return known;
        String name = unique(tensor + (toHalf ? "_fp16" : "_fp32"), names);
        out.add(castNode(tensor, name, toHalf ? FLOAT16 : FLOAT, unique(name + "_cast", names)));
        casts[0]++;
        castOf.put(key, name);
        return name;
    }

    private static NodeProto castNode(String in, String out, int to, String name) {
        return NodeProto.newBuilder().setOpType("Cast").setName(name).addInput(in).addOutput(out)
                .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT).setI(to)).build();
    }

    private static String unique(String base, Set<String> names) {
        String name = base;
        for (int i = 1; names.contains(name); i++) name = base + "_" + i;
        names.add(name);
        return name;
    }

    /** A float16 node's float attributes: Cast targets, Constant and ConstantOfShape values. */
    private static void halveAttributes(NodeProto.Builder b) {
        String op = b.getOpType();
        boolean hasValue = false;
        for (int i = 0; i < b.getAttributeCount(); i++) {
            AttributeProto a = b.getAttribute(i);
            if (op.equals("Cast") && a.getName().equals("to") && a.getI() == FLOAT) b.setAttribute(i, a.toBuilder().setI(FLOAT16));
            if (a.getName().equals("value") && a.hasT()) {
                hasValue = true;
                if (a.getT().getDataType() == FLOAT) b.setAttribute(i, a.toBuilder().setT(toHalf(a.getT())));
            }
            if (op.equals("Constant") && (a.getName().equals("value_float") || a.getName().equals("value_floats"))) {
                float[] v = a.getName().equals("value_float") ? new float[] {a.getF()} : toArray(a.getFloatsList());
                long[] dims = a.getName().equals("value_float") ? new long[0] : new long[] {v.length};
                b.setAttribute(i, AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(toHalf(Tensors.floats("", dims, v))).build());
            }
        }
        // ConstantOfShape without a value makes float32 zeros; a float16 one needs its zero spelled out.
        if (op.equals("ConstantOfShape") && !hasValue)
            b.addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                    .setT(toHalf(Tensors.floats("", new long[] {1}, new float[] {0f}))));
    }

    private static float[] toArray(List<Float> list) {
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) v[i] = list.get(i);
        return v;
    }

    static TensorProto toHalf(TensorProto t) {
        float[] v = Tensors.toFloats(t);
        ByteBuffer buf = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) buf.putShort(Float.floatToFloat16(clampToHalf(f)));
        return t.toBuilder().clearFloatData().clearRawData().setDataType(FLOAT16)
                .setRawData(com.google.protobuf.ByteString.copyFrom(buf.array())).build();
    }

    /** Keeps sign and finiteness: large values saturate at float16's largest, tiny non-zero ones at 1e-7 (as onnxconverter-common). */
    static float clampToHalf(float f) {
        if (Float.isNaN(f) || Float.isInfinite(f) || f == 0f) return f;
        float a = Math.abs(f);
        if (a > FP16_MAX) return Math.copySign(FP16_MAX, f);
        if (a < MIN_POSITIVE) return Math.copySign(MIN_POSITIVE, f);
        return f;
    }

    /** Node indices that stay float32: kept operator types, the unfused LayerNorm pattern, and {@link #ALWAYS_FP32}. */
    static Set<Integer> keptNodes(GraphProto g, Set<String> keepFp32) {
        List<NodeProto> nodes = g.getNodeList();
        Set<Integer> kept = new LinkedHashSet<>();
        Map<String, Integer> producer = new HashMap<>();
        Map<String, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String o : n.getOutputList()) producer.put(o, i);
            for (String in : n.getInputList()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            boolean standard = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
            if (keepFp32.contains(n.getOpType()) || ALWAYS_FP32.contains(n.getOpType()) || !standard) kept.add(i);
        }
        if (keepFp32.contains("LayerNormalization"))
            for (int i = 0; i < nodes.size(); i++) if (nodes.get(i).getOpType().equals("Pow")) kept.addAll(unfusedLayerNorm(nodes, i, producer, consumers));
        return kept;
    }

    /**
     * The nodes of y = (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) around the Pow at {@code pow}, or none when
     * it is another Pow. Variance and the division are where float16 loses most (squares of large activations overflow).
     */
    private static List<Integer> unfusedLayerNorm(List<NodeProto> nodes, int pow, Map<String, Integer> producer, Map<String, List<Integer>> consumers) {
        NodeProto p = nodes.get(pow);
        Integer sub = producer.get(p.getInput(0));
        if (sub == null || !nodes.get(sub).getOpType().equals("Sub")) return List.of();
        NodeProto s = nodes.get(sub);
        Integer mean = producer.get(s.getInput(1));
        if (mean == null || !nodes.get(mean).getOpType().equals("ReduceMean") || !nodes.get(mean).getInput(0).equals(s.getInput(0))) return List.of();
        Integer variance = only(nodes, consumers.get(p.getOutput(0)), "ReduceMean");
        if (variance == null) return List.of();
        Integer add = only(nodes, consumers.get(nodes.get(variance).getOutput(0)), "Add");
        if (add == null) return List.of();
        Integer sqrt = only(nodes, consumers.get(nodes.get(add).getOutput(0)), "Sqrt");
        if (sqrt == null) return List.of();
        Integer div = only(nodes, consumers.get(nodes.get(sqrt).getOutput(0)), "Div");
        if (div == null || !nodes.get(div).getInput(0).equals(s.getOutput(0))) return List.of();
        return List.of(mean, sub, pow, variance, add, sqrt, div);
    }

    private static Integer only(List<NodeProto> nodes, List<Integer> readers, String opType) {
        if (readers == null || readers.size() != 1 || !nodes.get(readers.getFirst()).getOpType().equals(opType)) return null;
        return readers.getFirst();
    }

    /** Why ONNX Runtime's CPU provider refuses the model, or null when it opens a session on it. */
    public static String cpuProblem(dev.lathe.model.OnnxModel model) {
        try (var ignored = dev.lathe.model.OrtRunner.of(model, dev.lathe.model.OrtRunner.RunnerSettings.cpu(1))) {
            return null;
        } catch (OrtException e) {
            return e.getMessage().replace('\n', ' ');
        }
    }
}
