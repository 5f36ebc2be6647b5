package dev.lathe.analysis;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.OnnxModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shape of every tensor a model computes, from running it (exporters such as PyTorch's record almost no
 * value_info). Every node output becomes a graph output of a copy of the model, which runs once at the given
 * input shape; where the inputs have symbolic dimensions it runs a second time with each grown by one, and a
 * dimension that follows one of them is written with its name ({@code sequence_length=128}).
 */
public final class TensorShapes {
    private TensorShapes() {}

    /** Dimensions as text per tensor name, symbolic ones named. */
    public static Map<String, List<String>> probe(OnnxModel model, InputShapes shapes) throws OrtException {
        GraphProto g = model.proto().getGraph();
        ModelProto.Builder b = model.proto().toBuilder();
        java.util.Set<String> outputs = new java.util.HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        for (NodeProto n : g.getNodeList())
            for (String o : n.getOutputList())
                if (!o.isEmpty() && outputs.add(o)) b.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(o));
        OnnxModel probe = OnnxModel.of(b.build()); // OrtRunner.of: over 2 GB it goes by file, with external data
        Map<String, long[]> first, second = null;
        String batchName = null, seqName = null;
        for (ValueInfoProto v : InputShapes.realInputs(g)) {
            if (shapes.fixed().containsKey(v.getName())) continue;
            TensorShapeProto s = v.getType().getTensorType().getShape();
            for (int i = 0; i < s.getDimCount(); i++) {
                var d = s.getDim(i);
                if (d.hasDimValue() && d.getDimValue() > 0) continue;
                String name = d.getDimParam().isEmpty() ? (i == 0 ? "batch" : "length") : d.getDimParam();
                if (i == 0 && batchName == null) batchName = name;
                else if (i > 0 && seqName == null) seqName = name;
            }
        }
        // Some exporters give every dynamic dimension one name (DJL's MiniLM calls both "batch"): keep them apart.
        if (seqName != null && seqName.equals(batchName)) seqName = "sequence";
        try (OrtRunner r = OrtRunner.of(probe, new OrtRunner.RunnerSettings(1, "cpu", "none"))) {
            first = r.runShapes(SyntheticInputs.generate(model, shapes, 1));
            if (batchName != null || seqName != null)
                try {
                    second = r.runShapes(SyntheticInputs.generate(model, new InputShapes(shapes.batch() + 1, shapes.sequenceLength() + 1, shapes.fixed()), 1));
                } catch (OrtException e) {
                    second = null; // a model that takes only one size: dimensions stay numbers
                }
        }
        for (ValueInfoProto v : InputShapes.realInputs(g)) first.putIfAbsent(v.getName(), shapes.resolve(v));
        Map<String, List<String>> out = new LinkedHashMap<>();
        Map<String, long[]> grown = second == null ? new HashMap<>() : second;
        for (Map.Entry<String, long[]> e : first.entrySet()) {
            long[] a = e.getValue(), z = grown.get(e.getKey());
            List<String> dims = new ArrayList<>();
            for (int i = 0; i < a.length; i++) {
                String text = Long.toString(a[i]);
                if (z != null && z.length == a.length && z[i] != a[i]) {
                    if (batchName != null && a[i] == shapes.batch() && z[i] == shapes.batch() + 1) text = batchName + "=" + a[i];
                    else if (seqName != null && a[i] == shapes.sequenceLength() && z[i] == shapes.sequenceLength() + 1) text = seqName + "=" + a[i];
                    else text = a[i] + " (dynamic)";
                }
                dims.add(text);
            }
            out.put(e.getKey(), List.copyOf(dims));
        }
        return out;
    }
}
