package dev.lathe.ui.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * An ONNX graph as the graph view draws it: the graph's inputs, its operators and its outputs as nodes, one
 * edge per producer–consumer pair (initializers are not nodes; they show as the inputs of their operator), and
 * what is known of every tensor's type and shape (value_info, inputs, outputs, initializers, Constant values).
 */
record GraphModel(String name, List<Node> nodes, List<Edge> edges, Map<String, TensorInfo> tensors) {

    enum Kind { INPUT, OPERATOR, OUTPUT }

    /** A drawn node; {@code id} is its index in {@link #nodes()}. Inputs and outputs have the tensor's name as both name and label. */
    record Node(int id, Kind kind, String name, String opType, String domain, List<String> inputs, List<String> outputs,
                List<Attribute> attributes) {
        /** What the box shows: the operator type, or the name of a graph input or output. */
        String label() { return kind == Kind.OPERATOR ? opType : name; }

        /** The second line of an operator's box: the end of its hierarchical name ("query/MatMul"), empty for inputs and outputs. */
        String caption() {
            if (kind != Kind.OPERATOR) return "";
            String[] parts = java.util.Arrays.stream(name.split("/")).filter(p -> !p.isEmpty()).toArray(String[]::new);
            if (parts.length == 0) return "";
            return parts.length == 1 ? parts[0] : parts[parts.length - 2] + "/" + parts[parts.length - 1];
        }
    }

    record Attribute(String name, String value) {}

    /** {@code from} writes {@code tensor}, which {@code to} reads. */
    record Edge(int from, int to, String tensor) {}

    /** A tensor's element type and dimensions ({@code dims} null when the model does not record its shape). */
    record TensorInfo(String name, String type, List<String> dims, boolean initializer) {
        String shape() {
            if (dims == null) return type == null ? "shape not recorded" : type;
            return (type == null ? "" : type) + "[" + String.join(", ", dims) + "]";
        }
    }

    /** Most values an attribute shows before "…". */
    private static final int MAX_VALUES = 24;

    Node node(int id) { return nodes.get(id); }

    /** What is known of {@code tensor}: recorded type and shape, or a bare entry when the model says nothing. */
    TensorInfo tensor(String tensor) {
        return tensors.getOrDefault(tensor, new TensorInfo(tensor, null, null, false));
    }

    static GraphModel of(ModelProto model) {
        return of(model, Map.of());
    }

    /** With {@code probed} shapes (from running the model) for the tensors the model itself records nothing of. */
    static GraphModel of(ModelProto model, Map<String, List<String>> probed) {
        GraphProto g = model.getGraph();
        Map<String, TensorInfo> tensors = new HashMap<>();
        probed.forEach((t, dims) -> tensors.put(t, new TensorInfo(t, null, dims, false)));
        for (ValueInfoProto v : g.getValueInfoList()) tensors.put(v.getName(), info(v));
        for (ValueInfoProto v : g.getOutputList()) tensors.put(v.getName(), info(v));
        for (ValueInfoProto v : g.getInputList()) tensors.put(v.getName(), info(v));
        Set<String> initializers = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            initializers.add(t.getName());
            tensors.put(t.getName(), info(t, true));
        }

        List<Node> nodes = new ArrayList<>();
        Map<String, Integer> producer = new HashMap<>();
        for (ValueInfoProto in : g.getInputList()) {
            if (initializers.contains(in.getName())) continue; // IR < 4 lists weights among the inputs
            producer.put(in.getName(), nodes.size());
            nodes.add(new Node(nodes.size(), Kind.INPUT, in.getName(), "Input", "", List.of(), List.of(in.getName()), List.of()));
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            String name = n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName();
            List<Attribute> attributes = new ArrayList<>();
            for (AttributeProto a : n.getAttributeList()) attributes.add(new Attribute(a.getName(), format(a)));
            int id = nodes.size();
            nodes.add(new Node(id, Kind.OPERATOR, name, n.getOpType(), n.getDomain(), List.copyOf(n.getInputList()),
                    List.copyOf(n.getOutputList()), List.copyOf(attributes)));
            for (String out : n.getOutputList()) if (!out.isEmpty()) producer.put(out, id);
            if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                for (AttributeProto a : n.getAttributeList())
                    if (a.getName().equals("value") && a.hasT()) tensors.putIfAbsent(n.getOutput(0), info(a.getT().toBuilder().setName(n.getOutput(0)).build(), false));
            }
        }
        for (ValueInfoProto out : g.getOutputList())
            nodes.add(new Node(nodes.size(), Kind.OUTPUT, out.getName(), "Output", "", List.of(out.getName()), List.of(), List.of()));

        List<Edge> edges = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                Integer from = in.isEmpty() ? null : producer.get(in);
                if (from == null || from == n.id()) continue; // weights, optional inputs left empty
                if (seen.add(((long) from << 32) | n.id())) edges.add(new Edge(from, n.id(), in));
            }
        }
        String name = g.getName().isEmpty() ? "graph" : g.getName();
        return new GraphModel(name, List.copyOf(nodes), List.copyOf(edges), Map.copyOf(tensors));
    }

    private static TensorInfo info(ValueInfoProto v) {
        if (!v.getType().hasTensorType()) return new TensorInfo(v.getName(), v.getType().getValueCase().name().toLowerCase(Locale.ROOT), null, false);
        var tt = v.getType().getTensorType();
        String type = MutableGraph.elementTypeName(tt.getElemType());
        if (!tt.hasShape()) return new TensorInfo(v.getName(), type, null, false);
        List<String> dims = new ArrayList<>();
        for (var d : tt.getShape().getDimList())
            dims.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
        return new TensorInfo(v.getName(), type, List.copyOf(dims), false);
    }

    private static TensorInfo info(TensorProto t, boolean initializer) {
        List<String> dims = new ArrayList<>();
        for (long d : t.getDimsList()) dims.add(Long.toString(d));
        return new TensorInfo(t.getName(), MutableGraph.elementTypeName(t.getDataType()), List.copyOf(dims), initializer);
    }

    /** An attribute's value as the side panel shows it: numbers, lists (long ones cut), tensors with small values, subgraphs by size. */
    static String format(AttributeProto a) {
        return switch (a.getType()) {
            case FLOAT -> number(a.getF());
            case INT -> Long.toString(a.getI());
            case STRING -> "\"" + a.getS().toString(StandardCharsets.UTF_8) + "\"";
            case TENSOR -> tensor(a.getT());
            case GRAPH -> "graph \"" + a.getG().getName() + "\" with " + a.getG().getNodeCount() + " nodes";
            case FLOATS -> list(a.getFloatsList().stream().map(GraphModel::number).toList());
            case INTS -> list(a.getIntsList().stream().map(String::valueOf).toList());
            case STRINGS -> list(a.getStringsList().stream().map(s -> "\"" + s.toString(StandardCharsets.UTF_8) + "\"").toList());
            case TENSORS -> a.getTensorsCount() + " tensors";
            case GRAPHS -> a.getGraphsCount() + " graphs";
            default -> a.getType().name().toLowerCase(Locale.ROOT);
        };
    }

    private static String tensor(TensorProto t) {
        StringBuilder sb = new StringBuilder(MutableGraph.elementTypeName(t.getDataType())).append('[');
        StringJoiner dims = new StringJoiner(", ");
        for (long d : t.getDimsList()) dims.add(Long.toString(d));
        sb.append(dims).append(']');
        long n = Tensors.elementCount(t);
        if (n > 0 && n <= MAX_VALUES) {
            try {
                List<String> values = switch (t.getDataType()) {
                    case TensorProto.DataType.FLOAT_VALUE -> {
                        List<String> v = new ArrayList<>();
                        for (float f : Tensors.toFloats(t)) v.add(number(f));
                        yield v;
                    }
                    case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.INT32_VALUE -> {
                        List<String> v = new ArrayList<>();
                        for (long l : Tensors.toLongs(t)) v.add(Long.toString(l));
                        yield v;
                    }
                    default -> null;
                };
                if (values != null) sb.append(" = ").append(n == 1 && t.getDimsCount() == 0 ? values.getFirst() : list(values));
            } catch (RuntimeException e) {
                // values stored elsewhere (external data): the type and dims say enough
            }
        }
        return sb.toString();
    }

    private static String list(List<String> values) {
        if (values.size() <= MAX_VALUES) return "[" + String.join(", ", values) + "]";
        return "[" + String.join(", ", values.subList(0, MAX_VALUES)) + ", … (" + values.size() + " values)]";
    }

    private static String number(float f) {
        if (f == Math.rint(f) && Math.abs(f) < 1e15) return Long.toString((long) f) + ".0";
        return Float.toString(f);
    }

    /** The operator types of the graph with how often each occurs (for the status line and tests). */
    Map<String, Integer> operatorCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Node n : nodes) if (n.kind() == Kind.OPERATOR) out.merge(n.opType(), 1, Integer::sum);
        return out;
    }
}
