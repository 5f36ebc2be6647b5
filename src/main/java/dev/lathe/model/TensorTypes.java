package dev.lathe.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The element type ({@link TensorProto.DataType} number) of every tensor of a graph, as ONNX Runtime infers
 * it: every node output becomes an output of a copy of the graph, and the session reports their types. Exporters
 * record value_info for some tensors only, and a transform that changes types needs all of them.
 */
public final class TensorTypes {
    private TensorTypes() {}

    public static Map<String, Integer> infer(ModelProto model) throws OrtException {
        GraphProto g = model.getGraph();
        Map<String, Integer> types = new HashMap<>();
        for (ValueInfoProto v : g.getInputList()) if (v.getType().hasTensorType()) types.put(v.getName(), v.getType().getTensorType().getElemType());
        for (TensorProto t : g.getInitializerList()) types.put(t.getName(), t.getDataType());
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        GraphProto.Builder probe = g.toBuilder();
        for (NodeProto n : g.getNodeList())
            for (String o : n.getOutputList())
                if (!o.isEmpty() && outputs.add(o)) probe.addOutput(ValueInfoProto.newBuilder().setName(o));
        // OrtRunner.of: a probe of a model over 2 GB goes to ONNX Runtime by file, with external data.
        try (OrtRunner r = OrtRunner.of(OnnxModel.of(model.toBuilder().setGraph(probe).build()), new OrtRunner.RunnerSettings(1, "cpu", "none"))) {
            for (Map.Entry<String, NodeInfo> e : r.outputInfo().entrySet())
                if (e.getValue().getInfo() instanceof TensorInfo t) types.put(e.getKey(), dataType(t.onnxType));
        }
        return types;
    }

    /** ONNX Runtime numbers its element types in its own order; the names match ONNX's. */
    private static int dataType(TensorInfo.OnnxTensorType t) {
        String name = t.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length());
        try {
            return TensorProto.DataType.valueOf(name).getNumber();
        } catch (IllegalArgumentException e) {
            return TensorProto.DataType.UNDEFINED_VALUE;
        }
    }
}
