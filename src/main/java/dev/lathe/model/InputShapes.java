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
 * Exporters name dimensions inconsistently (MiniLM calls both of its dims "batch"), so position decides, except
 * for a decoder's key/value cache: a dimension named for the past ({@code past_sequence_length}) is the
 * {@code contextLength} already in the cache, and one named for the total ({@code total_sequence_length}, the
 * attention mask's) is the context plus the new tokens, as Optimum and torch.onnx exports name them.
 */
public record InputShapes(int batch, int sequenceLength, Map<String, long[]> fixed, int contextLength) {
    public InputShapes {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (sequenceLength < 1) throw new IllegalArgumentException("sequence length must be at least 1, got " + sequenceLength);
        if (contextLength < 0) throw new IllegalArgumentException("context length must be at least 0, got " + contextLength);
        fixed = Map.copyOf(fixed);
    }

    /** No tokens in a decoder's cache: one forward pass over the whole sequence. */
    public InputShapes(int batch, int sequenceLength, Map<String, long[]> fixed) {
        this(batch, sequenceLength, fixed, 0);
    }

    /** The same shapes with {@code tokens} already in a decoder's key/value cache. */
    public InputShapes withContext(int tokens) {
        return new InputShapes(batch, sequenceLength, fixed, tokens);
    }

    public static InputShapes of(int batch, int sequenceLength) {
        return new InputShapes(batch, sequenceLength, Map.of());
    }

    /**
     * Parses command-line shapes, {@code NAME=d1,d2,...} each, and checks them against the model's inputs.
     * The message names what is wrong: an unknown input, a bad number, or a rank that does not match.
     */
    public static Map<String, long[]> parseFixed(List<String> specs, ai.onnx.proto.OnnxMl.GraphProto graph) {
        Map<String, long[]> out = new LinkedHashMap<>();
        Map<String, ValueInfoProto> inputs = new LinkedHashMap<>();
        for (ValueInfoProto v : realInputs(graph)) inputs.put(v.getName(), v);
        for (String spec : specs) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0 || eq == spec.length() - 1)
                throw new IllegalArgumentException("--shape '" + spec + "' should read INPUT=d1,d2,... (for example input=1,3,224,224)");
            String name = spec.substring(0, eq);
            ValueInfoProto v = inputs.get(name);
            if (v == null) throw new IllegalArgumentException("--shape names input '" + name + "', but the model's inputs are " + inputs.keySet());
            String[] parts = spec.substring(eq + 1).split(",");
            long[] dims = new long[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    dims[i] = Long.parseLong(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--shape " + name + ": '" + parts[i] + "' is not a whole number");
                }
                if (dims[i] < 1) throw new IllegalArgumentException("--shape " + name + ": dimensions must be at least 1");
            }
            var declared = v.getType().getTensorType().getShape();
            if (declared.getDimCount() != dims.length)
                throw new IllegalArgumentException("--shape " + name + " has " + dims.length + " dimensions; the input has " + declared.getDimCount());
            for (int i = 0; i < dims.length; i++)
                if (declared.getDim(i).hasDimValue() && declared.getDim(i).getDimValue() > 0 && declared.getDim(i).getDimValue() != dims[i])
                    throw new IllegalArgumentException("--shape " + name + ": dimension " + i + " is fixed at " + declared.getDim(i).getDimValue() + " in the model");
            out.put(name, dims);
        }
        return out;
    }

    /** The same shapes for a single sample: fixed shapes get batch 1. */
    public InputShapes singleSample() {
        Map<String, long[]> one = new LinkedHashMap<>();
        fixed.forEach((k, v) -> { long[] d = v.clone(); if (d.length > 0) d[0] = 1; one.put(k, d); });
        return new InputShapes(1, sequenceLength, one, contextLength);
    }

    public long[] resolve(ValueInfoProto input) {
        if (fixed.containsKey(input.getName())) return fixed.get(input.getName()).clone();
        TensorShapeProto shape = input.getType().getTensorType().getShape();
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            var d = shape.getDim(i);
            if (d.hasDimValue() && d.getDimValue() > 0) dims[i] = d.getDimValue();
            else if (i > 0 && isPast(d.getDimParam())) dims[i] = contextLength;
            else if (i > 0 && isTotal(d.getDimParam())) dims[i] = contextLength + sequenceLength;
            else dims[i] = i == 0 ? batch : sequenceLength;
        }
        return dims;
    }

    /** Whether an input has a dimension that the context length binds (a decoder's cache, its attention mask). */
    public static boolean hasContextAxis(ValueInfoProto input) {
        var shape = input.getType().getTensorType().getShape();
        for (int i = 1; i < shape.getDimCount(); i++) if (isPast(shape.getDim(i).getDimParam()) || isTotal(shape.getDim(i).getDimParam())) return true;
        return false;
    }

    private static boolean isPast(String dimension) {
        return dimension.toLowerCase(java.util.Locale.ROOT).startsWith("past");
    }

    private static boolean isTotal(String dimension) {
        String d = dimension.toLowerCase(java.util.Locale.ROOT);
        return d.startsWith("total") || d.contains("past_sequence_length + ") || d.contains("past_sequence_length+");
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
