package dev.lathe.search;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.config.DataConfig;
import dev.lathe.config.StudyConfig;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A short search on sample:tiny-llama timing one decoding step with 32 tokens already in its key/value cache. */
class DecoderSearchTest {
    @TempDir
    Path dir;

    @Tag("slow")
    @Test
    void decodingStepWithABoundCacheIsSearched() throws Exception {
        // A copy of the sample's folder with onnxruntime-genai's configuration beside it, which the export must follow.
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("tiny-llama"));
        for (String f : List.of("model.onnx", "config.json", "text.txt"))
            java.nio.file.Files.copy(TestModels.samples().resolve("tiny-llama").resolve(f), folder.resolve(f));
        java.nio.file.Files.writeString(folder.resolve("genai_config.json"), dev.lathe.export.DecoderConfigFilesTest.GENAI);
        Path model = folder.resolve("model.onnx");
        InputShapeOptions shape = new InputShapeOptions();
        shape.batch = 1;
        shape.seqLen = 1;
        shape.context = 32;
        Map<String, long[]> fixed = shape.fixed(OnnxModel.load(model).proto().getGraph());
        assertArrayEquals(new long[] {1, 2, 32, 16}, fixed.get("past_key_values.1.value"));
        assertArrayEquals(new long[] {1, 33}, fixed.get("attention_mask"));
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        fixed.forEach((k, v) -> shapes.put(k, java.util.Arrays.stream(v).boxed().toList()));
        StudyConfig base = TestStudies.config(6, 5, 1, 1, 4, null, null, true);
        StudyConfig config = base.with(new DataConfig(null, null, 1, 1, shapes, null, null));
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("llama.sqlite"))) {
            SearchRunner.Outcome o = new SearchRunner(model, config, store, new SearchRunner.Listener() {}).run();
            assertEquals(6, o.measured());
            assertFalse(o.front().isEmpty());
            List<CandidateRecord> done = store.all().stream().filter(CandidateRecord::isDone).toList();
            assertEquals(6, done.size(), "every candidate, heads and cache pruned included, builds and runs: " + store.all());
            assertTrue(done.stream().anyMatch(c -> c.genomeJson().contains("heads:")), "key/value groups are genes");
            assertTrue(done.stream().anyMatch(c -> c.genomeJson().contains("hidden:")), "the hidden width is a gene");
            assertTrue(done.stream().anyMatch(c -> c.sizeBytes() < done.get(0).sizeBytes()));
            // The text.txt beside the decoder is its data: candidates are scored by next-token agreement, with KL and perplexity.
            assertTrue(done.stream().allMatch(c -> "next_token_agreement".equals(c.qualityMetric())), done.get(0).qualityMetric());
            assertTrue(done.stream().allMatch(c -> c.qualityJson().contains("\"perplexity\"") && c.qualityJson().contains("\"klDivergence\"")), done.get(0).qualityJson());
            assertTrue(done.stream().anyMatch(c -> c.quality() < 1.0), "pruning changes some next tokens");
            Path csv = dir.resolve("llama.csv");
            dev.lathe.export.StudyCsvExporter.write(store, csv, false);
            try (var reader = java.nio.file.Files.newBufferedReader(csv);
                 var parser = org.apache.commons.csv.CSVParser.builder().setReader(reader)
                         .setFormat(org.apache.commons.csv.CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()).get()) {
                for (var row : parser) {
                    double ppl = Double.parseDouble(row.get("perplexity")), original = Double.parseDouble(row.get("perplexity_original"));
                    assertTrue(ppl >= original * 0.5 && original > 1, "perplexity " + ppl + " against the original's " + original);
                }
            }

            // Exporting a candidate with fewer key/value heads: the cache ports say so, generation agrees, config.json follows.
            CandidateRecord pruned = done.stream().filter(c -> c.genomeJson().contains("\"heads:/layers.0/self_attn\":0.5")
                    && c.genomeJson().contains("\"heads:/layers.1/self_attn\":0.5")).findFirst().orElseThrow();
            Path out = dir.resolve("export");
            dev.lathe.export.CandidateExporter.export(store, pruned.id(), out, false);
            var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("report.json").toFile());
            assertTrue(report.get("decoder").get("changes").toString().contains("past_key_values.0.key: float32[batch_size,2,past_sequence_length,16] -> float32[batch_size,1,past_sequence_length,16]"),
                    report.get("decoder").toString());
            assertEquals(4, report.get("decoder").get("generated_with_and_without_cache").size());
            var hfConfig = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("config.json").toFile());
            assertEquals(1, hfConfig.get("num_key_value_heads").asInt());
            assertEquals(2, hfConfig.get("num_attention_heads").asInt());
            var genai = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.resolve("genai_config.json").toFile()).get("model").get("decoder");
            assertEquals(1, genai.get("num_key_value_heads").asInt());
            assertEquals(2, genai.get("num_attention_heads").asInt());
            assertEquals(hfConfig.get("hidden_size").asInt(), genai.get("hidden_size").asInt(), "both files state the kept width");
            assertEquals("model.onnx", genai.get("filename").asText());
            assertTrue(report.get("decoder").get("changes").toString().contains("genai_config.json model.decoder: num_key_value_heads 2 -> 1"),
                    report.get("decoder").toString());
        }
    }

    /** GPT-2 shape: fused QKV behind a cache, LayerNormalization; a head-pruned export follows config.json's n_head. */
    @Tag("slow")
    @Test
    void aGpt2ShapedDecoderIsSearchedAndExportedWithItsSmallerCache() throws Exception {
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("tiny-gpt2"));
        for (String f : List.of("model.onnx", "config.json", "text.txt"))
            java.nio.file.Files.copy(TestModels.samples().resolve("tiny-gpt2").resolve(f), folder.resolve(f));
        Path model = folder.resolve("model.onnx");
        InputShapeOptions shape = new InputShapeOptions();
        shape.batch = 1;
        shape.seqLen = 1;
        shape.context = 32;
        Map<String, List<Long>> shapes = new LinkedHashMap<>();
        shape.fixed(OnnxModel.load(model).proto().getGraph()).forEach((k, v) -> shapes.put(k, java.util.Arrays.stream(v).boxed().toList()));
        StudyConfig config = TestStudies.config(8, 7, 1, 1, 4, null, null, true).with(new DataConfig(null, null, 1, 1, shapes, null, null));
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("gpt2.sqlite"))) {
            SearchRunner.Outcome o = new SearchRunner(model, config, store, new SearchRunner.Listener() {}).run();
            List<CandidateRecord> done = store.all().stream().filter(CandidateRecord::isDone).toList();
            assertEquals(o.measured(), done.size(), "every candidate builds and runs: " + store.all());
            assertTrue(done.stream().allMatch(c -> "next_token_agreement".equals(c.qualityMetric())));
            CandidateRecord pruned = done.stream().filter(c -> c.genomeJson().contains("\"heads:/h.0/attn\":0.5")
                    && c.genomeJson().contains("\"heads:/h.1/attn\":0.5")).findFirst()
                    .orElseGet(() -> done.stream().filter(c -> c.genomeJson().contains("heads:")).findFirst().orElseThrow());
            Path out = dir.resolve("gpt2-export");
            dev.lathe.export.CandidateExporter.export(store, pruned.id(), out, false);
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            var report = json.readTree(out.resolve("report.json").toFile());
            assertEquals(4, report.get("decoder").get("generated_with_and_without_cache").size(), report.get("decoder").toString());
            OnnxModel exported = OnnxModel.load(out.resolve("model.onnx"));
            long kept = exported.proto().getGraph().getInputList().stream().filter(v -> v.getName().equals("past_key_values.0.key")).findFirst()
                    .orElseThrow().getType().getTensorType().getShape().getDim(1).getDimValue();
            long kept1 = exported.proto().getGraph().getInputList().stream().filter(v -> v.getName().equals("past_key_values.1.key")).findFirst()
                    .orElseThrow().getType().getTensorType().getShape().getDim(1).getDimValue();
            if (kept == kept1) assertEquals(kept, json.readTree(out.resolve("config.json").toFile()).get("n_head").asLong(), "config.json states the kept heads");
            else assertFalse(java.nio.file.Files.exists(out.resolve("config.json")), "layers keep different head counts: no config.json");
            assertTrue(kept < 4 || kept1 < 4, "a head-pruned candidate was exported");
        }
    }
}
