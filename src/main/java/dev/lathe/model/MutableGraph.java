package dev.lathe.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An editable view of a model's main graph: nodes in order, initializers by name, and producer/consumer
 * look-ups. Analysis reads it, transforms edit it, {@link #toModel()} turns it back into a model.
 * Not thread-safe; each candidate gets its own copy.
 */
public final class MutableGraph {
    private final ModelProto original;
    private final List<NodeProto> nodes;
    private final LinkedHashMap<String, TensorProto> initializers = new LinkedHashMap<>();
    private final Map<String, Long> extraOpsets = new LinkedHashMap<>();
    private final List<ai.onnx.proto.OnnxMl.ValueInfoProto> extraOutputs = new ArrayList<>();
    private final Map<String, Map<Integer, Long>> portDimensions = new HashMap<>();
    private Map<String, Integer> producerIndex;
    private Map<String, List<Integer>> consumerIndex;
    private int uniqueCounter;

    public MutableGraph(ModelProto model) {
        this.original = model;
        this.nodes = new ArrayList<>(model.getGraph().getNodeList());
        for (TensorProto t : model.getGraph().getInitializerList()) initializers.put(t.getName(), t);
    }

    public static MutableGraph of(OnnxModel model) {
        return new MutableGraph(model.proto());
    }

    public ModelProto original() { return original; }

    public List<NodeProto> nodes() { return java.util.Collections.unmodifiableList(nodes); }

    public NodeProto node(int index) { return nodes.get(index); }

    public int nodeCount() { return nodes.size(); }

    public Map<String, TensorProto> initializers() { return java.util.Collections.unmodifiableMap(initializers); }

    public TensorProto initializer(String name) { return initializers.get(name); }

    public boolean isInitializer(String name) { return initializers.containsKey(name); }

    public void putInitializer(TensorProto t) { initializers.put(t.getName(), t); }

    public boolean isGraphOutput(String name) {
        return original.getGraph().getOutputList().stream().anyMatch(v -> v.getName().equals(name))
                || extraOutputs.stream().anyMatch(v -> v.getName().equals(name));
    }

    /** Exposes an intermediate tensor as an extra model output (probes for statistics and shapes). */
    public void addOutput(String tensor) {
        extraOutputs.add(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(tensor).build());
    }

    /** Index of the node producing {@code tensor}, or -1 for graph inputs and initializers. */
    public int producer(String tensor) {
        ensureIndex();
        return producerIndex.getOrDefault(tensor, -1);
    }

    public Optional<NodeProto> producerNode(String tensor) {
        int i = producer(tensor);
        return i < 0 ? Optional.empty() : Optional.of(nodes.get(i));
    }

    public List<Integer> consumers(String tensor) {
        ensureIndex();
        return consumerIndex.getOrDefault(tensor, List.of());
    }

    /**
     * The value of a tensor that is known without running the model: an initializer or the output of a
     * Constant node. Empty when it is computed at run time.
     */
    public Optional<TensorProto> constant(String tensor) {
        TensorProto init = initializers.get(tensor);
        if (init != null) return Optional.of(init);
        int p = producer(tensor);
        if (p >= 0 && nodes.get(p).getOpType().equals("Constant")) {
            for (AttributeProto a : nodes.get(p).getAttributeList())
                if (a.getName().equals("value") && a.hasT()) return Optional.of(a.getT().toBuilder().setName(tensor).build());
        }
        return Optional.empty();
    }

    public void replaceNode(int index, NodeProto node) {
        nodes.set(index, node);
        producerIndex = null;
    }

    public void insertNodes(int index, List<NodeProto> newNodes) {
        nodes.addAll(index, newNodes);
        producerIndex = null;
    }

    public void removeNode(int index) {
        nodes.remove(index);
        producerIndex = null;
    }

    /**
     * Gives input {@code inputIndex} of node {@code nodeIndex} a fresh constant of its own holding {@code value}.
     * Shape constants are often shared between layers; copying on write keeps a change to one layer from
     * leaking into the others.
     */
    public void setPrivateConstantInput(int nodeIndex, int inputIndex, TensorProto value) {
        NodeProto n = nodes.get(nodeIndex);
        String name = uniqueName(n.getInput(inputIndex) + "_lathe");
        initializers.put(name, value.toBuilder().setName(name).build());
        replaceNode(nodeIndex, n.toBuilder().setInput(inputIndex, name).build());
    }

    /**
     * Makes everything that reads {@code output} read {@code input} instead (a model output keeps its name
     * through an Identity node); the nodes left unread fall away in {@link #toModel()}.
     */
    public void bypass(String output, String input) {
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (!n.getInputList().contains(output)) continue;
            NodeProto.Builder b = n.toBuilder();
            for (int k = 0; k < b.getInputCount(); k++) if (b.getInput(k).equals(output)) b.setInput(k, input);
            nodes.set(i, b.build());
        }
        if (isGraphOutput(output)) {
            int p = producer(output);
            nodes.set(p, NodeProto.newBuilder().setOpType("Identity").setName(output + "_bypass").addInput(input).addOutput(output).build());
        }
        producerIndex = null;
    }

    /**
     * Declares dimension {@code dim} of the model input or output {@code port} as {@code size}: a decoder's cache
     * after its heads were pruned. Names and element types stay as they were.
     */
    public void setPortDimension(String port, int dim, long size) {
        portDimensions.computeIfAbsent(port, k -> new HashMap<>()).put(dim, size);
    }

    private List<ai.onnx.proto.OnnxMl.ValueInfoProto> withPortDimensions(List<ai.onnx.proto.OnnxMl.ValueInfoProto> ports) {
        List<ai.onnx.proto.OnnxMl.ValueInfoProto> out = new ArrayList<>();
        for (var v : ports) {
            Map<Integer, Long> dims = portDimensions.get(v.getName());
            if (dims == null) { out.add(v); continue; }
            var b = v.toBuilder();
            var shape = b.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
            dims.forEach((d, size) -> shape.setDim(d, shape.getDim(d).toBuilder().clearDimParam().setDimValue(size)));
            out.add(b.build());
        }
        return out;
    }

    public String uniqueName(String base) {
        ensureIndex();
        String name;
        do {
            name = base + "_" + (uniqueCounter++);
        } while (initializers.containsKey(name) || producerIndex.containsKey(name));
        return name;
    }

    /** Imports {@code domain} at {@code version} or later in {@link #toModel()} (an older import is raised; "" is the ONNX domain). */
    public void requireOpset(String domain, long version) {
        extraOpsets.merge(domain, version, Math::max);
    }

    /**
     * The model as edited. Constant nodes and initializers nobody reads any more are left out of the result but
     * kept here, so node indices stay valid and editing can go on after an intermediate snapshot.
     */
    public ModelProto toModel() {
        ensureIndex();
        java.util.Set<String> outputs = new java.util.HashSet<>();
        original.getGraph().getOutputList().forEach(v -> outputs.add(v.getName()));
        extraOutputs.forEach(v -> outputs.add(v.getName()));
        List<NodeProto> keptNodes = new ArrayList<>(nodes);
        Map<String, Integer> readers = new HashMap<>();
        for (NodeProto n : keptNodes) for (String in : n.getInputList()) if (!in.isEmpty()) readers.merge(in, 1, Integer::sum);
        // Nodes nobody reads any more (Constant nodes of replaced shapes, bypassed blocks) fall away, to a fixed point.
        boolean removed = true;
        while (removed) {
            removed = keptNodes.removeIf(n -> n.getOutputList().stream().noneMatch(o -> readers.containsKey(o) || outputs.contains(o))
                    && forget(n, readers));
        }
        List<TensorProto> keptInits = new ArrayList<>();
        for (TensorProto t : initializers.values()) if (readers.containsKey(t.getName()) || outputs.contains(t.getName())) keptInits.add(t);
        GraphProto.Builder g = original.getGraph().toBuilder().clearNode().clearInitializer().addAllNode(keptNodes)
                .addAllInitializer(keptInits);
        if (!portDimensions.isEmpty()) {
            var inputs = withPortDimensions(g.getInputList());
            var outs = withPortDimensions(g.getOutputList());
            g.clearInput().addAllInput(inputs).clearOutput().addAllOutput(outs);
        }
        g.addAllOutput(extraOutputs);
        // Intermediate shapes recorded by the exporter may no longer hold after pruning; ONNX Runtime re-infers them.
        g.clearValueInfo();
        ModelProto.Builder m = original.toBuilder().setGraph(g);
        for (Map.Entry<String, Long> e : extraOpsets.entrySet()) {
            boolean present = false;
            for (int i = 0; i < m.getOpsetImportCount(); i++) {
                OperatorSetIdProto o = m.getOpsetImport(i);
                if (!o.getDomain().equals(e.getKey())) continue;
                present = true;
                if (o.getVersion() >= e.getValue()) continue;
                m.setOpsetImport(i, o.toBuilder().setVersion(e.getValue()));
                if (e.getKey().isEmpty() || e.getKey().equals("ai.onnx"))
                    m.setGraph(OpsetUpgrade.upgrade(m.getGraph(), (int) o.getVersion(), e.getValue().intValue()));
            }
            if (!present) m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(e.getKey()).setVersion(e.getValue()));
        }
        return m.build();
    }

    /** Counts a removed node's inputs as read once less; always true, for use inside removeIf. */
    private static boolean forget(NodeProto n, Map<String, Integer> readers) {
        for (String in : n.getInputList()) if (!in.isEmpty()) readers.computeIfPresent(in, (k, v) -> v > 1 ? v - 1 : null);
        return true;
    }

    private void ensureIndex() {
        if (producerIndex != null) return;
        producerIndex = new HashMap<>();
        consumerIndex = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            for (String o : n.getOutputList()) producerIndex.put(o, i);
            for (String in : n.getInputList()) if (!in.isEmpty()) consumerIndex.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
        }
    }

    public static long intAttribute(NodeProto n, String name, long fallback) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return fallback;
    }

    public static float floatAttribute(NodeProto n, String name, float fallback) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getF();
        return fallback;
    }

    public static List<Long> intsAttribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getIntsList();
        return null;
    }

    /** Summary of a tensor's element type and dims for display, e.g. "float32[batch,128]". */
    public static String describe(ai.onnx.proto.OnnxMl.ValueInfoProto v) {
        var tt = v.getType().getTensorType();
        StringBuilder sb = new StringBuilder(elementTypeName(tt.getElemType())).append('[');
        for (int i = 0; i < tt.getShape().getDimCount(); i++) {
            var d = tt.getShape().getDim(i);
            if (i > 0) sb.append(',');
            sb.append(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
        }
        return sb.append(']').toString();
    }

    public static String elementTypeName(int type) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(type);
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case FLOAT16 -> "float16";
            case INT64 -> "int64";
            case INT32 -> "int32";
            case INT8 -> "int8";
            case UINT8 -> "uint8";
            case BOOL -> "bool";
            case null -> "unknown";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
