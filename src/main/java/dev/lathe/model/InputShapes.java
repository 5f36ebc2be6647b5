package dev.lathe.model;

import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds the dynamic dimensions of a model's inputs to concrete sizes: the first dynamic dimension is the
 * batch, the others the sequence length (or image side), unless the user fixed an input's shape outright.
 * Exporters name dimensions inconsistently (MiniLM calls both of its dims "batch"), so position decides.
 */
public record InputShapes(int batch, int sequenceLength, Map<String, long[]> fixed) {
    public InputShapes {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (sequenceLength < 1) throw new IllegalArgumentException("sequence length must be at least 1, got " + sequenceLength);
        fixed = Map.copyOf(fixed);
    }

    public static InputShapes of(int batch, int sequenceLength) {
        return new InputShapes(batch, sequenceLength, Map.of());
    }

    public long[] resolve(ValueInfoProto input) {
        if (fixed.containsKey(input.getName())) return fixed.get(input.getName()).clone();
        TensorShapeProto shape = input.getType().getTensorType().getShape();
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            var d = shape.getDim(i);
            if (d.hasDimValue() && d.getDimValue() > 0) dims[i] = d.getDimValue();
            else dims[i] = i == 0 ? batch : sequenceLength;
        }
        return dims;
    }

    /** The model's real inputs (graph inputs that are not initializers, which old exporters list too). */
    public static List<ValueInfoProto> realInputs(ai.onnx.proto.OnnxMl.GraphProto g) {
        var inits = new java.util.HashSet<String>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        List<ValueInfoProto> out = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) if (!inits.contains(v.getName())) out.add(v);
        return out;
    }

    public Map<String, long[]> resolveAll(ai.onnx.proto.OnnxMl.GraphProto g) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (ValueInfoProto v : realInputs(g)) out.put(v.getName(), resolve(v));
        return out;
    }
}
