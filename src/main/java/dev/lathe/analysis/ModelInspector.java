package dev.lathe.analysis;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Summarises a model: signature, size, parameters, operator histogram, prunable groups, and the
 * multiply-accumulates at a chosen input shape. MACs come from real tensor shapes: the model is run once with
 * the operands of every MatMul, Gemm and Conv exposed as extra outputs, which is exact for any exporter.
 */
public final class ModelInspector {
    private static final Set<String> COUNTED = Set.of("MatMul", "Gemm", "Conv", "DynamicQuantizeMatMul", "MatMulInteger", "MatMulIntegerToFloat");

    private ModelInspector() {}

    public static ModelSummary inspect(OnnxModel model, InputShapes shapes) {
        ModelProto p = model.proto();
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : p.getGraph().getNodeList()) ops.merge(n.getOpType(), 1, Integer::sum);
        long params = model.parameterCount();
        GroupFinder.Result groups = GroupFinder.analyze(model);
        Long macs;
        Map<String, Long> macsByNode;
        try {
            macsByNode = macsByNode(model, shapes);
            macs = macsByNode.values().stream().mapToLong(Long::longValue).sum();
        } catch (OrtException | RuntimeException e) {
            macs = null; // reported as unknown: a model ONNX Runtime cannot run is flagged elsewhere
            macsByNode = Map.of();
        }
        String shapeText = shapes.resolveAll(p.getGraph()).entrySet().stream()
                .map(e -> e.getKey() + "=" + java.util.Arrays.toString(e.getValue())).reduce((a, b) -> a + " " + b).orElse("");
        return new ModelSummary(model.source() == null ? "(in memory)" : model.source().getFileName().toString(),
                model.fileSize(), model.sha256(), model.opset(),
                (p.getProducerName() + " " + p.getProducerVersion()).trim(), params,
                ports(InputShapes.realInputs(p.getGraph())), ports(p.getGraph().getOutputList()), macs, shapeText, ops,
                groups.groups(), groups.unprunable(), groups.quantizable(), groups.blocks(), layers(p, macsByNode));
    }

    /** The nodes that read weights or multiply, in graph order, for the model view's layer table. */
    private static List<ModelSummary.Layer> layers(ModelProto p, Map<String, Long> macsByNode) {
        Map<String, Long> elements = new HashMap<>();
        p.getGraph().getInitializerList().forEach(t -> elements.put(t.getName(), Tensors.elementCount(t)));
        List<ModelSummary.Layer> out = new ArrayList<>();
        for (NodeProto n : p.getGraph().getNodeList()) {
            long params = 0;
            for (String in : new LinkedHashSet<>(n.getInputList())) params += elements.getOrDefault(in, 0L);
            Long m = macsByNode.get(NodeNames.id(n));
            // Scalars and shape constants are parameters in the count but not what makes a layer.
            if (m == null && params <= 1) continue;
            out.add(new ModelSummary.Layer(NodeNames.id(n), n.getOpType(), params, m));
        }
        return out;
    }

    private static List<ModelSummary.Port> ports(List<ValueInfoProto> values) {
        List<ModelSummary.Port> out = new ArrayList<>();
        for (ValueInfoProto v : values) {
            List<String> dims = new ArrayList<>();
            for (var d : v.getType().getTensorType().getShape().getDimList())
                dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
            out.add(new ModelSummary.Port(v.getName(), MutableGraph.elementTypeName(v.getType().getTensorType().getElemType()), dims));
        }
        return out;
    }

    /** The largest weights whose MACs are counted by a probing run. */
    static final long PROBE_LIMIT_BYTES = 1L << 30;

    public static long macs(OnnxModel model, InputShapes shapes) throws OrtException {
        return macsByNode(model, shapes).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Multiply-accumulates of each MatMul/Gemm/Conv-like node (by {@link NodeNames#id}) at {@code shapes}, from one probing run. */
    static Map<String, Long> macsByNode(OnnxModel model, InputShapes shapes) throws OrtException {
        // The probe serializes the model once more and runs it: above this a second copy of the weights would not fit
        // the heap a large model is handled in, so its MACs are reported unknown.
        if (model.totalInitializerBytes() > PROBE_LIMIT_BYTES)
            throw new IllegalStateException("weights over " + (PROBE_LIMIT_BYTES >> 20) + " MiB: MACs are not probed");
        ModelProto p = model.proto();
        Set<String> probe = new LinkedHashSet<>();
        Set<String> inits = new java.util.HashSet<>();
        p.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        for (NodeProto n : p.getGraph().getNodeList()) {
            if (!COUNTED.contains(n.getOpType())) continue;
            if (!inits.contains(n.getInput(0))) probe.add(n.getInput(0));
            if (n.getInputCount() > 1 && !inits.contains(n.getInput(1))) probe.add(n.getInput(1));
            probe.add(n.getOutput(0));
        }
        Set<String> existing = new java.util.HashSet<>();
        p.getGraph().getOutputList().forEach(v -> existing.add(v.getName()));
        p.getGraph().getInputList().forEach(v -> existing.add(v.getName()));
        ModelProto.Builder b = p.toBuilder();
        for (String t : probe) if (!existing.contains(t)) b.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(t));
        Map<String, long[]> shapeOf = new HashMap<>();
        p.getGraph().getInitializerList().forEach(t -> shapeOf.put(t.getName(), Tensors.dims(t)));
        Map<String, TensorData> feeds = SyntheticInputs.generate(model, shapes, 1);
        feeds.forEach((k, v) -> shapeOf.put(k, v.shape()));
        try (OrtRunner r = new OrtRunner(b.build().toByteArray(), new OrtRunner.RunnerSettings(1, "cpu", "none"))) {
            r.run(feeds).forEach((k, v) -> shapeOf.put(k, v.shape()));
        }
        Map<String, Long> byNode = new java.util.LinkedHashMap<>();
        for (NodeProto n : p.getGraph().getNodeList()) {
            if (!COUNTED.contains(n.getOpType())) continue;
            long[] out = shapeOf.get(n.getOutput(0));
            long[] a = shapeOf.get(n.getInput(0));
            long[] w = n.getInputCount() > 1 ? shapeOf.get(n.getInput(1)) : null;
            if (out == null || a == null) continue;
            long outCount = TensorData.elementCount(out);
            switch (n.getOpType()) {
                case "Conv" -> {
                    if (w == null) continue;
                    long perOutput = 1;
                    for (int i = 1; i < w.length; i++) perOutput *= w[i];
                    byNode.merge(NodeNames.id(n), outCount * perOutput, Long::sum);
                }
                case "Gemm" -> byNode.merge(NodeNames.id(n), outCount * (MutableGraph.intAttribute(n, "transA", 0) != 0 ? a[0] : a[a.length - 1]), Long::sum);
                default -> byNode.merge(NodeNames.id(n), outCount * a[a.length - 1], Long::sum);
            }
        }
        return byNode;
    }
}
