package dev.lathe.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * rerunning without it; and a Hugging Face {@code config.json} beside the original that states head counts is
 * written beside the export with the kept counts.
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
     * The original's config.json with the kept key/value and query head counts, when every layer kept the same number
     * (read from the exported cache inputs); null when there is no such file or the layers differ (then the report says so).
     */
    static ObjectNode config(Path originalModel, ModelProto original, ModelProto exported, ObjectMapper json, List<String> notes) throws IOException {
        Path file = originalModel.toAbsolutePath().getParent().resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) return null;
        ObjectNode config = (ObjectNode) json.readTree(file.toFile());
        long was = headAxis(original), now = headAxis(exported);
        if (now == -2) { notes.add("layers keep different key/value head counts; " + CONFIG_FILE + " cannot state them and is not written"); return null; }
        if (was <= 0 || now <= 0 || was == now) return config;
        if (config.has("num_key_value_heads")) config.put("num_key_value_heads", now);
        if (config.has("num_attention_heads")) {
            long query = config.get("num_attention_heads").asLong() / was * now;
            config.put("num_attention_heads", query);
        }
        notes.add(CONFIG_FILE + ": num_key_value_heads " + was + " -> " + now);
        return config;
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
