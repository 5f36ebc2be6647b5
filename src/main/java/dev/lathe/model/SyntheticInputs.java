package dev.lathe.model;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Random inputs of the right names, types and shapes: the last resort when the user has no data, and the
 * probe input for shape-dependent analysis. Integer inputs are guessed from their names the way BERT-style
 * exports use them (masks all ones, token types zero, ids in a safe vocabulary range).
 */
public final class SyntheticInputs {
    private SyntheticInputs() {}

    public static Map<String, TensorData> generate(OnnxModel model, InputShapes shapes, long seed) {
        Random rnd = new Random(seed);
        Map<String, TensorData> out = new LinkedHashMap<>();
        int context = contextOf(model, shapes);
        for (ValueInfoProto v : InputShapes.realInputs(model.proto().getGraph())) {
            long[] dims = shapes.resolve(v);
            int n = Math.toIntExact(TensorData.elementCount(dims));
            int type = v.getType().getTensorType().getElemType();
            if (type == TensorProto.DataType.FLOAT_VALUE) {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) f[i] = (float) rnd.nextGaussian();
                out.put(v.getName(), TensorData.ofFloats(dims, f));
            } else if (type == TensorProto.DataType.INT64_VALUE || type == TensorProto.DataType.INT32_VALUE) {
                String name = v.getName().toLowerCase(Locale.ROOT);
                long vocabulary = vocabulary(model, v.getName());
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    if (name.contains("mask")) l[i] = 1;
                    else if (name.contains("type") || name.contains("segment")) l[i] = 0;
                    // A decoder's positions continue after the tokens already in its cache.
                    else if (name.contains("position") && dims.length == 2) l[i] = context + i % dims[1];
                    else if (vocabulary > 0 && vocabulary <= 6000) l[i] = rnd.nextInt((int) vocabulary);
                    else l[i] = 1000 + rnd.nextInt(5000);
                }
                out.put(v.getName(), TensorData.ofLongs(dims, l));
            } else {
                throw new ModelFormatException(model.source() == null ? java.nio.file.Path.of("model") : model.source(),
                        "input " + v.getName() + " has element type " + MutableGraph.elementTypeName(type) + ", which Lathe cannot feed yet (float32, int32 and int64 are supported)");
            }
        }
        return out;
    }

    /**
     * Tokens already in a decoder's cache: the bound context length, or, when the shapes were fixed outright, how much
     * longer the attention mask is than the new tokens.
     */
    private static int contextOf(OnnxModel model, InputShapes shapes) {
        if (shapes.contextLength() > 0) return shapes.contextLength();
        long[] mask = null, ids = null;
        for (ValueInfoProto v : InputShapes.realInputs(model.proto().getGraph())) {
            if (v.getName().equals("attention_mask")) mask = shapes.resolve(v);
            if (v.getName().equals("input_ids")) ids = shapes.resolve(v);
        }
        return mask != null && ids != null && mask.length == 2 && ids.length == 2 ? (int) Math.max(0, mask[1] - ids[1]) : 0;
    }

    /** Rows of the embedding table that {@code input} indexes (a Gather of a constant table), or -1. */
    private static long vocabulary(OnnxModel model, String input) {
        var g = model.proto().getGraph();
        for (var n : g.getNodeList()) {
            if (!n.getOpType().equals("Gather") || n.getInputCount() < 2 || !n.getInput(1).equals(input)) continue;
            for (TensorProto t : g.getInitializerList()) if (t.getName().equals(n.getInput(0)) && t.getDimsCount() == 2) return t.getDims(0);
        }
        return -1;
    }
}
