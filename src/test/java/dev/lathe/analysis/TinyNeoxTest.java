package dev.lathe.analysis;

import dev.lathe.TestModels;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.model.CachedGeneration;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GPT-NeoX's fused query/key/value layout (sample-models/make_tiny_neox.py): the projection viewed as
 * [batch, sequence, heads, 3 * 16] and split per head, behind a key/value cache. A head is one block of 48 columns.
 */
class TinyNeoxTest {
    static OnnxModel neox() {
        return OnnxModel.load(TestModels.samples().resolve("tiny-neox/model.onnx"));
    }

    @Test
    void aHeadIsOneBlockOfTheFusedProjectionAndASilentOneIsRemovedExactly() throws Exception {
        OnnxModel m = neox();
        GroupFinder.Result r = GroupFinder.analyze(m);
        assertEquals(List.of("heads:/h.0/attn", "heads:/h.1/attn"),
                r.groups().stream().filter(g -> g.kind() == GroupKind.ATTENTION_HEADS).map(PrunableGroup::id).toList(), r.unprunable().toString());
        PrunableGroup heads = r.group("heads:/h.0/attn").orElseThrow();
        assertEquals(4, heads.size());
        // The fused weight and its bias once each (a head owns 48 consecutive columns), then the output projection's rows.
        assertEquals(3, heads.slices().size(), heads.slices().toString());
        List<TensorSlice> fused = heads.slices().subList(0, 2);
        assertTrue(fused.get(1).initializer().contains("query_key_value.bias"), fused.toString());
        assertTrue(fused.stream().allMatch(s -> s.offset() == 0 && s.width(heads) == 48), fused.toString());
        assertEquals(16, heads.slices().get(2).width(heads));

        // Zero head 2's rows of the output projection: removing it leaves the logits as they were.
        TensorSlice out = heads.slices().get(heads.slices().size() - 1);
        MutableGraph g = MutableGraph.of(m);
        var wo = g.initializer(out.initializer());
        float[] w = Tensors.toFloats(wo);
        Arrays.fill(w, 32 * 64, 48 * 64, 0f);
        g.putInitializer(Tensors.floats(wo.getName(), Tensors.dims(wo), w));
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph all = MutableGraph.of(silenced);
        for (PrunableGroup p : r.groups()) StructuredPruner.prune(all, p, IntStream.range(0, p.size()).toArray());
        MutableGraph pruned = MutableGraph.of(silenced);
        StructuredPruner.prune(pruned, heads, new int[] {0, 1, 3});
        OnnxModel small = OnnxModel.of(pruned.toModel());

        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7).withContext(5), 3);
        Map<String, TensorData> smallIn = TinyGpt2Test.withCacheHeads(in, new int[] {0, 1, 3}, 5, 16);
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(small, OrtRunner.RunnerSettings.cpu(1))) {
            var expected = a.run(in);
            assertArrayEquals(expected.get("logits").floats(), keepAll.run(in).get("logits").floats(), "keep 1.0 of every group is exact");
            var got = b.run(smallIn);
            assertTrue(maxAbsDiff(expected.get("logits").floats(), got.get("logits").floats()) < 1e-5, "a silent head removed exactly");
            assertArrayEquals(new long[] {1, 3, 12, 16}, got.get("present.0.value").shape());
            long[] prompt = TinyLlamaTest.prompt();
            CachedGeneration after = new CachedGeneration(small, b);
            assertArrayEquals(after.withoutCache(prompt, 6), after.withCache(prompt, 6), "the pruned cache changes nothing");
        }
    }
}
