package dev.lathe.model;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What makes an exported model a decoder-only language model, and how to run one over a whole token sequence.
 * A decoder takes {@code input_ids} and returns rank-3 {@code logits} [batch, positions, vocabulary], and either has
 * a key/value cache among its inputs (Optimum's and torch.onnx's names, see {@link CachedGeneration#isCache}) or a
 * {@code config.json} beside it naming a causal-LM architecture; a token classifier or a masked LM has none of these.
 */
public final class DecoderModel {
    private DecoderModel() {}

    public static boolean isDecoder(OnnxModel model) {
        var graph = model.proto().getGraph();
        List<ValueInfoProto> inputs = InputShapes.realInputs(graph);
        if (inputs.stream().noneMatch(v -> v.getName().equals("input_ids"))) return false;
        Optional<ValueInfoProto> logits = graph.getOutputList().stream().filter(v -> v.getName().equals("logits")).findFirst();
        if (logits.isEmpty() || logits.get().getType().getTensorType().getShape().getDimCount() != 3) return false;
        if (inputs.stream().anyMatch(v -> CachedGeneration.isCache(v.getName()))) return true;
        return config(model).map(c -> c.path("architectures").toString().matches(".*(CausalLM|LMHeadModel).*")).orElse(false);
    }

    /** The vocabulary size: the logits' declared last axis, else {@code vocab_size} in the config beside the model; -1 if neither says. */
    public static int vocabulary(OnnxModel model) {
        for (ValueInfoProto v : model.proto().getGraph().getOutputList()) {
            if (!v.getName().equals("logits")) continue;
            var shape = v.getType().getTensorType().getShape();
            var last = shape.getDim(shape.getDimCount() - 1);
            if (last.hasDimValue() && last.getDimValue() > 0) return (int) last.getDimValue();
        }
        return config(model).map(c -> c.path("vocab_size").asInt(-1)).orElse(-1);
    }

    /** The cache inputs, in the model's order. */
    public static List<ValueInfoProto> cacheInputs(OnnxModel model) {
        return InputShapes.realInputs(model.proto().getGraph()).stream().filter(v -> CachedGeneration.isCache(v.getName())).toList();
    }

    /**
     * Feeds for one run over the whole of {@code tokens} from an empty cache: {@code input_ids}, an all-ones
     * {@code attention_mask}, {@code position_ids} 0..n-1 and every cache input with no past tokens. Inputs the model
     * does not have are ignored by {@link OrtRunner}; a pruned model's fewer cache heads are fitted there too.
     */
    public static Map<String, TensorData> fullSequence(List<ValueInfoProto> cacheInputs, long[] tokens) {
        Map<String, TensorData> empty = new LinkedHashMap<>();
        for (ValueInfoProto v : cacheInputs) empty.put(v.getName(), CachedGeneration.emptyCache(v));
        return CachedGeneration.feeds(tokens, 0, empty);
    }

    /** The Hugging Face {@code config.json} beside the model, if there is one that parses. */
    public static Optional<JsonNode> config(OnnxModel model) {
        if (model.source() == null) return Optional.empty();
        Path dir = model.source().toAbsolutePath().getParent();
        Path file = dir == null ? null : dir.resolve("config.json");
        if (file == null || !Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
