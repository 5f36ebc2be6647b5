package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The configuration files beside a decoder follow what pruning kept: config.json and onnxruntime-genai's
 * genai_config.json, written as onnxruntime-genai's model builder writes it for a Llama model.
 */
public class DecoderConfigFilesTest {
    @TempDir
    Path dir;

    public static final String GENAI = """
            {
              "model": {
                "bos_token_id": 1,
                "context_length": 256,
                "decoder": {
                  "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
                  "filename": "tiny-llama.onnx",
                  "head_size": 16,
                  "hidden_size": 64,
                  "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "position_ids": "position_ids",
                             "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
                  "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"},
                  "num_attention_heads": 4,
                  "num_hidden_layers": 2,
                  "num_key_value_heads": 2
                },
                "eos_token_id": 2,
                "pad_token_id": 0,
                "type": "llama",
                "vocab_size": 256
              },
              "search": {"do_sample": false, "max_length": 256, "num_beams": 1, "past_present_share_buffer": false}
            }
            """;

    @Test
    void headsWidthAndMlpUnitsKeptAreWrittenToBothFiles() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("llama"));
        Path model = folder.resolve("tiny-llama.onnx");
        Files.copy(TestModels.samples().resolve("tiny-llama/model.onnx"), model);
        Files.copy(TestModels.samples().resolve("tiny-llama/config.json"), folder.resolve("config.json"));
        Files.writeString(folder.resolve(DecoderExport.GENAI_CONFIG_FILE), GENAI);
        OnnxModel original = OnnxModel.load(model);

        // One key/value group per layer, the hidden width to 48 and every layer's MLP to 96 units.
        GroupFinder.Result r = GroupFinder.analyze(original);
        MutableGraph g = MutableGraph.of(original);
        for (PrunableGroup p : r.groups()) {
            int keep = p.kind() == GroupKind.ATTENTION_HEADS ? 1 : p.kind() == GroupKind.HIDDEN_WIDTH ? 48 : p.kind() == GroupKind.FFN_UNITS ? 96 : p.size();
            if (p.kind() == GroupKind.ATTENTION_HEADS || p.kind() == GroupKind.HIDDEN_WIDTH || p.kind() == GroupKind.FFN_UNITS)
                StructuredPruner.prune(g, p, IntStream.range(0, keep).toArray());
        }
        OnnxModel pruned = OnnxModel.of(g.toModel());
        DecoderExport.Dimensions was = DecoderExport.Dimensions.of(original), now = DecoderExport.Dimensions.of(pruned);
        assertEquals(new DecoderExport.Dimensions(2, 2, 16, 64, 128), was);
        assertEquals(new DecoderExport.Dimensions(1, 2, 16, 48, 96), now);

        ObjectMapper json = new ObjectMapper();
        List<String> notes = new ArrayList<>();
        ObjectNode genai = DecoderExport.genaiConfig(model, was, now, "model.onnx", json, notes);
        ObjectNode config = DecoderExport.config(model, was, now, json, notes);
        JsonNode decoder = json.readTree(json.writeValueAsString(genai)).get("model").get("decoder");
        assertEquals(1, decoder.get("num_key_value_heads").asInt());
        assertEquals(2, decoder.get("num_attention_heads").asInt(), "two query heads share the one kept key/value head");
        assertEquals(16, decoder.get("head_size").asInt());
        assertEquals(48, decoder.get("hidden_size").asInt());
        assertEquals(2, decoder.get("num_hidden_layers").asInt());
        assertEquals("model.onnx", decoder.get("filename").asText(), "the export's file name");
        assertEquals("past_key_values.%d.key", decoder.get("inputs").get("past_key_names").asText(), "everything else is kept");
        assertEquals(256, genai.get("search").get("max_length").asInt());
        assertEquals(1, config.get("num_key_value_heads").asInt());
        assertEquals(2, config.get("num_attention_heads").asInt());
        assertEquals(48, config.get("hidden_size").asInt());
        assertEquals(96, config.get("intermediate_size").asInt());
        assertEquals(16, config.get("head_dim").asInt());
        assertTrue(notes.contains("genai_config.json model.decoder: hidden_size 64 -> 48"), notes.toString());
        assertTrue(notes.contains("config.json: intermediate_size 128 -> 96"), notes.toString());

        // Layers that keep different head counts cannot be stated in either file: neither is written, the notes say why.
        MutableGraph uneven = MutableGraph.of(original);
        PrunableGroup first = r.groups().stream().filter(p -> p.kind() == GroupKind.ATTENTION_HEADS).findFirst().orElseThrow();
        StructuredPruner.prune(uneven, first, new int[] {1});
        DecoderExport.Dimensions mixed = DecoderExport.Dimensions.of(OnnxModel.of(uneven.toModel()));
        assertEquals(-2, mixed.keyValueHeads());
        List<String> why = new ArrayList<>();
        assertNull(DecoderExport.genaiConfig(model, was, mixed, "model.onnx", json, why));
        assertTrue(why.get(0).contains("genai_config.json cannot state them"), why.toString());
    }

    @Test
    void aGenaiConfigWithoutADecoderIsRefusedByName() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("odd"));
        Path model = folder.resolve("model.onnx");
        Files.writeString(folder.resolve(DecoderExport.GENAI_CONFIG_FILE), "{\"model\": {\"type\": \"llama\"}}");
        DecoderExport.Dimensions d = new DecoderExport.Dimensions(2, 2, 16, 64, 128);
        ExportException e = assertThrows(ExportException.class, () -> DecoderExport.genaiConfig(model, d, d, "model.onnx", new ObjectMapper(), new ArrayList<>()));
        assertTrue(e.getMessage().contains("genai_config.json") && e.getMessage().contains("model.decoder"), e.getMessage());
    }
}
