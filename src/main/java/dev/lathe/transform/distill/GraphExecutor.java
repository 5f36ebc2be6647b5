package dev.lathe.transform.distill;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.distill.ops.NodeOp;
import dev.lathe.transform.distill.ops.OpCall;
import dev.lathe.transform.distill.ops.Operators;
import dev.lathe.transform.distill.ops.TensorProtos;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs an ONNX graph as NDArray operations on DJL's PyTorch engine, so its float weights can be trained by
 * automatic differentiation. The trainable initializers (see {@link Trainability}) are parameters with gradients;
 * every other initializer is a constant. {@link #writeBack()} puts the parameters' values back into the same graph.
 * A graph with an operator the executor lacks is refused when loading, naming the operators.
 */
public final class GraphExecutor implements AutoCloseable {
    private final ModelProto model;
    private final NDManager manager;
    private final List<NodeProto> nodes;
    private final List<NodeOp> ops = new ArrayList<>();
    private final Map<String, NDArray> constants = new HashMap<>();
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();
    private final List<String> inputNames = new ArrayList<>();
    private final List<String> outputNames = new ArrayList<>();
    private final long opset;
    /** Node index -> the input holding its weight, for the layers trained through int8 fake quantization. */
    private final Map<Integer, Integer> fakeQuantized = new HashMap<>();

    private GraphExecutor(ModelProto model) {
        this.model = model;
        GraphProto g = model.getGraph();
        requireSupported(g);
        this.nodes = g.getNodeList();
        for (NodeProto n : nodes) ops.add(Operators.find(n.getDomain(), n.getOpType()).orElseThrow());
        this.opset = OnnxModel.defaultOpset(model);
        this.manager = NDManager.newBaseManager(Device.cpu(), TorchEngine.get().getEngineName());
        Set<String> trainable = Trainability.trainable(g);
        Set<String> initializerNames = new java.util.HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            initializerNames.add(t.getName());
            NDArray a = TensorProtos.toNDArray(manager, t);
            if (trainable.contains(t.getName())) {
                a.setRequiresGradient(true);
                parameters.put(t.getName(), a);
            } else {
                constants.put(t.getName(), a);
            }
        }
        for (ValueInfoProto v : g.getInputList()) if (!initializerNames.contains(v.getName())) inputNames.add(v.getName());
        for (ValueInfoProto v : g.getOutputList()) outputNames.add(v.getName());
    }

    public static GraphExecutor load(OnnxModel model) {
        return new GraphExecutor(model.proto());
    }

    /** Refuses a graph before any engine work when it has operators (or sub-graphs) the executor cannot run. */
    public static void requireSupported(GraphProto g) {
        Set<String> missing = new TreeSet<>();
        for (NodeProto n : g.getNodeList()) {
            boolean subgraph = n.getAttributeList().stream().anyMatch(a -> a.getType() == AttributeProto.AttributeType.GRAPH
                    || a.getType() == AttributeProto.AttributeType.GRAPHS);
            if (subgraph || Operators.find(n.getDomain(), n.getOpType()).isEmpty())
                missing.add(n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "." + n.getOpType());
        }
        if (!missing.isEmpty()) throw new UnsupportedOperatorException(missing);
    }

    public NDManager manager() { return manager; }

    public List<String> inputNames() { return List.copyOf(inputNames); }

    public List<String> outputNames() { return List.copyOf(outputNames); }

    /** The trainable parameters by initializer name, in the graph's order. */
    public Map<String, NDArray> parameters() { return java.util.Collections.unmodifiableMap(parameters); }

    /** Runs the graph on {@code inputs}; returns the graph outputs plus any named intermediate tensors in {@code extra}. */
    public Map<String, NDArray> forward(Map<String, NDArray> inputs, Collection<String> extra) {
        Map<String, NDArray> values = new HashMap<>(constants);
        values.putAll(parameters);
        for (String name : inputNames) {
            NDArray a = inputs.get(name);
            if (a == null) throw new IllegalArgumentException("no data for model input '" + name + "'");
            values.put(name, a);
        }
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            NDArray[] in = new NDArray[n.getInputCount()];
            for (int k = 0; k < in.length; k++) {
                String name = n.getInput(k);
                if (name.isEmpty()) continue;
                in[k] = values.get(name);
                if (in[k] == null) throw new IllegalStateException("tensor '" + name + "' read by node '" + n.getName() + "' is not computed before it");
            }
            Integer weight = fakeQuantized.get(i);
            if (weight != null) {
                in[0] = FakeQuantization.activation(in[0]);
                in[weight] = FakeQuantization.weight(in[weight], weightInputAxis(n, weight));
            }
            NDList out;
            try {
                out = ops.get(i).apply(new OpCall(n, in, opset, manager));
            } catch (RuntimeException e) {
                throw new IllegalStateException(n.getOpType() + " node '" + n.getName() + "' failed: " + e.getMessage(), e);
            }
            for (int k = 0; k < n.getOutputCount() && k < out.size(); k++)
                if (!n.getOutput(k).isEmpty()) values.put(n.getOutput(k), out.get(k));
        }
        Map<String, NDArray> result = new LinkedHashMap<>();
        for (String name : outputNames) result.put(name, values.get(name));
        for (String name : extra) {
            NDArray a = values.get(name);
            if (a == null) throw new IllegalArgumentException("the graph has no tensor '" + name + "'");
            result.put(name, a);
        }
        return result;
    }

    /**
     * From now on, runs these layers (MatMul or Gemm node ids whose weight is an initializer) as dynamic int8 will run
     * them after export: their input and weight pass through straight-through fake quantization (see
     * {@link FakeQuantization}). Returns how many layers it found.
     */
    public int fakeQuantize(Set<String> layerIds) {
        fakeQuantized.clear();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (!layerIds.contains(dev.lathe.analysis.pattern.NodeNames.id(n))) continue;
            if (!(n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm")) || n.getInputCount() < 2) continue;
            String w = n.getInput(1);
            if (parameters.containsKey(w) || constants.containsKey(w)) fakeQuantized.put(i, 1);
        }
        return fakeQuantized.size();
    }

    /** The axis of the weight that one output column's scale spans: K, which is 0 in [K, N] and 1 in Gemm's transposed [N, K]. */
    private static int weightInputAxis(NodeProto n, int input) {
        if (!n.getOpType().equals("Gemm")) return 0;
        boolean transB = n.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB") && a.getI() != 0);
        return transB ? 1 : 0;
    }

    /** One inference run without gradients, copied back to the host (float outputs as floats, integer ones as longs). */
    public Map<String, TensorData> run(Map<String, TensorData> inputs) {
        try (NDScope ignored = new NDScope()) {
            Map<String, NDArray> out = forward(toNDArrays(inputs), List.of());
            Map<String, TensorData> host = new LinkedHashMap<>();
            out.forEach((k, v) -> host.put(k, toTensorData(v)));
            return host;
        }
    }

    public Map<String, NDArray> toNDArrays(Map<String, TensorData> inputs) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        inputs.forEach((k, v) -> out.put(k, v.isFloat() ? manager.create(v.floats(), new Shape(v.shape()))
                : manager.create(v.longs(), new Shape(v.shape()))));
        return out;
    }

    public static TensorData toTensorData(NDArray a) {
        long[] shape = a.getShape().getShape();
        if (a.getDataType().isFloating())
            return TensorData.ofFloats(shape, a.getDataType() == DataType.FLOAT32 ? a.toFloatArray() : a.toType(DataType.FLOAT32, false).toFloatArray());
        return TensorData.ofLongs(shape, a.toType(DataType.INT64, false).toLongArray());
    }

    /** The same model, signature and nodes, with every trainable initializer holding the parameter's current value. */
    public OnnxModel writeBack() {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            NDArray p = parameters.get(t.getName());
            if (p != null) g.setInitializer(i, Tensors.floats(t.getName(), Tensors.dims(t), p.toFloatArray()));
        }
        return OnnxModel.of(model.toBuilder().setGraph(g).build());
    }

    /**
     * Clears the parameters' gradients: PyTorch adds every backward pass to what the last one left. Filled with
     * zeros rather than multiplied by zero, which would keep a NaN (NaN x 0 is NaN) in every later step.
     */
    public void zeroGradients() {
        for (NDArray p : parameters.values()) {
            if (!p.hasGradient()) continue;
            try (NDArray g = p.getGradient()) {
                g.set(new ai.djl.ndarray.index.NDIndex(":"), 0);
            }
        }
    }

    /** Parameter values on the host, by name (snapshots for early stopping). */
    public Map<String, float[]> snapshot() {
        Map<String, float[]> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    public void restore(Map<String, float[]> snapshot) {
        snapshot.forEach((k, v) -> parameters.get(k).set(java.nio.FloatBuffer.wrap(v)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
