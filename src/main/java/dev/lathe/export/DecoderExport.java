package dev.lathe.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.CachedGeneration;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What exporting a decoder adds: pruning its key/value groups changes the declared shapes of its cache ports (names
 * and element types stay), which the export states; a few greedy steps with the cache must give the tokens of
 * rerunning without it; and a Hugging Face {@code config.json} or onnxruntime-genai {@code genai_config.json} beside
 * the original that states head counts or sizes is written beside the export with the kept ones.
 */
final class DecoderExport {
    static final String CONFIG_FILE = "config.json";
    private static final int STEPS = 4;

    private DecoderExport() {}

    /**
     * Checks that anything that loaded the original loads the export: same ports by name and type, same dimensions
     * except the head axis of a cache port. Returns how each cache port changed ("past_key_values.0.key: [..] -> [..]").
     */
    static List<String> checkSignature(ModelProto original, ModelProto exported) {
        List<String> changes = new ArrayList<>();
        compare(InputShapes.realInputs(original.getGraph()), InputShapes.realInputs(exported.getGraph()), "inputs", changes);
        compare(original.getGraph().getOutputList(), exported.getGraph().getOutputList(), "outputs", changes);
        return changes;
    }

    private static void compare(List<ValueInfoProto> was, List<ValueInfoProto> now, String what, List<String> changes) {
        if (was.equals(now)) return;
        if (was.size() != now.size()) throw new ExportException("exported " + what + " differ from the original's: " + now + " vs " + was);
        for (int i = 0; i < was.size(); i++) {
            ValueInfoProto a = was.get(i), b = now.get(i);
            if (a.equals(b)) continue;
            boolean cache = CachedGeneration.isCache(a.getName()) || CachedGeneration.isCache(a.getName().replaceFirst("^present", "past_key_values"));
            if (!cache || !a.getName().equals(b.getName()) || a.getType().getTensorType().getElemType() != b.getType().getTensorType().getElemType())
                throw new ExportException("exported " + what + " differ from the original's: " + b + " vs " + a);
            changes.add(a.getName() + ": " + MutableGraph.describe(a) + " -> " + MutableGraph.describe(b));
        }
    }

    /** The greedy tokens with and without the cache, which must agree; null for a model without a cache. */
    static long[] checkGeneration(OnnxModel exported) throws Exception {
        if (InputShapes.realInputs(exported.proto().getGraph()).stream().noneMatch(v -> CachedGeneration.isCache(v.getName()))) return null;
        try (OrtRunner r = OrtRunner.of(exported, OrtRunner.RunnerSettings.cpu(1))) {
            CachedGeneration gen = new CachedGeneration(exported, r);
            long[] prompt = {1, 2, 3, 4, 5};
            long[] cached = gen.withCache(prompt, STEPS), uncached = gen.withoutCache(prompt, STEPS);
            if (!Arrays.equals(cached, uncached))
                throw new ExportException("the exported decoder generates " + Arrays.toString(cached) + " with its cache but "
                        + Arrays.toString(uncached) + " without it");
            return cached;
        }
    }

    /**
     * What a configuration file states about a decoder's size, read from a model's graph: key/value heads per layer
     * (the cache's head axis; -2 when layers differ), layers (cache key inputs), head size (the cache's last axis),
     * hidden size (the token embedding's width) and MLP width (-2 when layers differ); -1 where the graph does not say.
     */
    record Dimensions(long keyValueHeads, long layers, long headSize, long hidden, long intermediate) {
        static Dimensions of(OnnxModel model) {
            ModelProto m = model.proto();
            long layers = InputShapes.realInputs(m.getGraph()).stream().filter(v -> CachedGeneration.isCache(v.getName()) && v.getName().endsWith("key")).count();
            long headSize = -1;
            for (ValueInfoProto v : InputShapes.realInputs(m.getGraph())) {
                if (!CachedGeneration.isCache(v.getName())) continue;
                var shape = v.getType().getTensorType().getShape();
                var last = shape.getDim(shape.getDimCount() - 1);
                if (last.hasDimValue()) headSize = last.getDimValue();
            }
            long hidden = -1;
            for (var node : m.getGraph().getNodeList()) {
                if (!node.getOpType().equals("Gather") || node.getInputCount() < 2 || !node.getInput(1).equals("input_ids")) continue;
                for (var t : m.getGraph().getInitializerList())
                    if (t.getName().equals(node.getInput(0)) && t.getDimsCount() == 2) hidden = t.getDims(1);
            }
            Set<Integer> ffn = new LinkedHashSet<>();
            try {
                for (PrunableGroup g : GroupFinder.analyze(model).groups()) if (g.kind() == GroupKind.FFN_UNITS) ffn.add(g.size());
            } catch (RuntimeException e) {
                ffn.clear(); // an export the finders cannot read leaves the MLP width unstated, not the export failed
            }
            long intermediate = ffn.isEmpty() ? -1 : ffn.size() > 1 ? -2 : ffn.iterator().next();
            return new Dimensions(headAxis(m), layers == 0 ? -1 : layers, headSize, hidden, intermediate);
        }
    }

    /**
     * The original's config.json with the kept sizes (query and key/value heads, hidden size, MLP width, layers) where
     * it states them and every layer kept the same; null when there is no such file or layers keep different head
     * counts (then the notes say so).
     */
    static ObjectNode config(Path originalModel, Dimensions was, Dimensions now, ObjectMapper json, List<String> notes) throws IOException {
        Path file = originalModel.toAbsolutePath().getParent().resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) return null;
        ObjectNode config = (ObjectNode) json.readTree(file.toFile());
        if (now.keyValueHeads() == -2) { notes.add("layers keep different key/value head counts; " + CONFIG_FILE + " cannot state them and is not written"); return null; }
        long queryWas = config.path("num_attention_heads").asLong(config.path("n_head").asLong(-1));
        update(config, CONFIG_FILE, "num_key_value_heads", was.keyValueHeads(), now.keyValueHeads(), notes);
        for (String key : List.of("num_attention_heads", "n_head"))
            if (queryWas > 0 && was.keyValueHeads() > 0 && now.keyValueHeads() > 0)
                update(config, CONFIG_FILE, key, queryWas, queryWas / was.keyValueHeads() * now.keyValueHeads(), notes);
        for (String key : List.of("hidden_size", "n_embd")) update(config, CONFIG_FILE, key, was.hidden(), now.hidden(), notes);
        for (String key : List.of("intermediate_size", "n_inner")) update(config, CONFIG_FILE, key, was.intermediate(), now.intermediate(), notes);
        for (String key : List.of("num_hidden_layers", "n_layer")) update(config, CONFIG_FILE, key, was.layers(), now.layers(), notes);
        if (now.intermediate() == -2 && config.has("intermediate_size")) notes.add("layers keep different MLP widths; " + CONFIG_FILE + " keeps intermediate_size " + config.get("intermediate_size"));
        return config;
    }

    static final String GENAI_CONFIG_FILE = "genai_config.json";

    /**
     * onnxruntime-genai's {@code genai_config.json} beside the original, with {@code model.decoder}'s head counts,
     * head size, hidden size and layer count made the export's, and its file name the exported model's; null when there
     * is no such file, or layers keep different head counts (genai states one count for all).
     */
    static ObjectNode genaiConfig(Path originalModel, Dimensions was, Dimensions now, String modelFile, ObjectMapper json, List<String> notes) throws IOException {
        Path file = originalModel.toAbsolutePath().getParent().resolve(GENAI_CONFIG_FILE);
        if (!Files.isRegularFile(file)) return null;
        com.fasterxml.jackson.databind.JsonNode tree = json.readTree(file.toFile());
        if (!(tree instanceof ObjectNode config) || !(config.path("model").path("decoder") instanceof ObjectNode decoder))
            throw new ExportException(file + ": not an onnxruntime-genai configuration (no model.decoder object)");
        if (now.keyValueHeads() == -2) { notes.add("layers keep different key/value head counts; " + GENAI_CONFIG_FILE + " cannot state them and is not written"); return null; }
        long queryWas = decoder.path("num_attention_heads").asLong(-1);
        String where = GENAI_CONFIG_FILE + " model.decoder";
        update(decoder, where, "num_key_value_heads", was.keyValueHeads(), now.keyValueHeads(), notes);
        if (queryWas > 0 && was.keyValueHeads() > 0 && now.keyValueHeads() > 0)
            update(decoder, where, "num_attention_heads", queryWas, queryWas / was.keyValueHeads() * now.keyValueHeads(), notes);
        update(decoder, where, "head_size", was.headSize(), now.headSize(), notes);
        update(decoder, where, "hidden_size", was.hidden(), now.hidden(), notes);
        update(decoder, where, "num_hidden_layers", was.layers(), now.layers(), notes);
        if (decoder.has("filename") && !decoder.get("filename").asText().equals(modelFile)) {
            notes.add(where + ".filename " + decoder.get("filename").asText() + " -> " + modelFile);
            decoder.put("filename", modelFile);
        }
        return config;
    }

    /** Sets {@code key} where the file states it and the size changed, noting the change. */
    private static void update(ObjectNode node, String where, String key, long was, long now, List<String> notes) {
        if (!node.has(key) || was <= 0 || now <= 0 || was == now) return;
        long stated = node.get(key).asLong();
        long value = key.equals("num_attention_heads") || key.equals("n_head") ? now : stated == was ? now : -1;
        if (value < 0) { notes.add(where + ": " + key + " is " + stated + " but the original model has " + was + "; left as it was"); return; }
        node.put(key, value);
        notes.add(where + ": " + key + " " + stated + " -> " + value);
    }

    /** The head axis of the cache inputs when every layer has the same, -1 without a cache, -2 when layers differ. */
    private static long headAxis(ModelProto m) {
        Set<Long> heads = new LinkedHashSet<>();
        for (ValueInfoProto v : InputShapes.realInputs(m.getGraph())) {
            if (!CachedGeneration.isCache(v.getName())) continue;
            var d = v.getType().getTensorType().getShape().getDim(1);
            if (d.hasDimValue()) heads.add(d.getDimValue());
        }
        return heads.isEmpty() ? -1 : heads.size() > 1 ? -2 : heads.iterator().next();
    }
}
