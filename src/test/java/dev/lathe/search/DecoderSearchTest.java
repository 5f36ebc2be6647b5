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
        Path model = TestModels.samples().resolve("tiny-llama/model.onnx");
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
        }
    }
}
