package dev.lathe.analysis;

import dev.lathe.SampleModels;
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
import dev.lathe.transform.pruning.SliceIndexing;
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
 * The GPT-2-shaped sample decoder (sample-models/make_tiny_gpt2.py): one fused query/key/value projection split in
 * three, heads appended to a key/value cache, LayerNormalization operators (opset 17), a GELU MLP.
 */
class TinyGpt2Test {
    static OnnxModel gpt2() {
        return OnnxModel.load(TestModels.samples().resolve("tiny-gpt2/model.onnx"));
    }

    @Test
    void isASampleAndFindsHeadsUnitsAndWidth() {
        assertTrue(SampleModels.byName("tiny-gpt2").isPresent(), "sample:tiny-gpt2 resolves");
        GroupFinder.Result r = GroupFinder.analyze(gpt2());
        assertEquals(List.of("heads:/h.0/attn", "heads:/h.1/attn", "ffn:/h.0/mlp/c_fc/MatMul", "ffn:/h.1/mlp/c_fc/MatMul", "hidden:/wte/Gather"),
                r.groups().stream().map(PrunableGroup::id).toList(), r.unprunable().toString());
        PrunableGroup heads = r.group("heads:/h.0/attn").orElseThrow();
        assertEquals(4, heads.size());
        assertEquals(16, heads.blockWidth());
        assertEquals(List.of(0, 64, 128), heads.slices().stream().filter(s -> s.initializer().contains("c_attn")).map(TensorSlice::offset).distinct().toList(),
                "query, key and value columns of the one fused projection");
        assertEquals(List.of("past_key_values.0.key", "present.0.key", "past_key_values.0.value", "present.0.value"),
                heads.portPatches().stream().map(PrunableGroup.PortPatch::port).toList());
        assertEquals(5, r.group("hidden:/wte/Gather").orElseThrow().normPatches().size(), "five LayerNormalization operators");
    }

    @Test
    void aSilentHeadIsRemovedExactlyTheCacheShrinksAndCachedGenerationAgrees() throws Exception {
        OnnxModel m = gpt2();
        GroupFinder.Result r = GroupFinder.analyze(m);
        PrunableGroup heads = r.group("heads:/h.0/attn").orElseThrow();
        // Zero head 1's rows of the output projection: removing it leaves the logits as they were.
        TensorSlice out = heads.slices().get(heads.slices().size() - 1);
        MutableGraph g = MutableGraph.of(m);
        var wo = g.initializer(out.initializer());
        float[] w = Tensors.toFloats(wo);
        Arrays.fill(w, 16 * 64, 32 * 64, 0f);
        g.putInitializer(Tensors.floats(wo.getName(), Tensors.dims(wo), w));
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph all = MutableGraph.of(silenced);
        for (PrunableGroup p : r.groups()) StructuredPruner.prune(all, p, IntStream.range(0, p.size()).toArray());
        MutableGraph pruned = MutableGraph.of(silenced);
        StructuredPruner.prune(pruned, heads, new int[] {0, 2, 3});
        OnnxModel small = OnnxModel.of(pruned.toModel());
        assertEquals(3, small.proto().getGraph().getInputList().stream().filter(v -> v.getName().equals("past_key_values.0.key")).findFirst()
                .orElseThrow().getType().getTensorType().getShape().getDim(1).getDimValue(), "the cache input declares three heads");

        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7).withContext(5), 3);
        Map<String, TensorData> smallIn = withCacheHeads(in, new int[] {0, 2, 3}, 5, 16);
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(small, OrtRunner.RunnerSettings.cpu(1))) {
            var expected = a.run(in);
            assertArrayEquals(expected.get("logits").floats(), keepAll.run(in).get("logits").floats(), "keep 1.0 of every group is exact");
            var got = b.run(smallIn);
            assertTrue(maxAbsDiff(expected.get("logits").floats(), got.get("logits").floats()) < 1e-5, "a silent head removed exactly");
            assertArrayEquals(new long[] {1, 3, 12, 16}, got.get("present.0.key").shape());
            long[] prompt = TinyLlamaTest.prompt();
            CachedGeneration before = new CachedGeneration(m, a), after = new CachedGeneration(small, b);
            assertArrayEquals(before.withoutCache(prompt, 6), before.withCache(prompt, 6), "the original's cache changes nothing");
            assertArrayEquals(after.withoutCache(prompt, 6), after.withCache(prompt, 6), "the pruned cache changes nothing");
        }
    }

    @Test
    void theHiddenWidthThroughLayerNormalizationLosesSilentChannelsExactly() throws Exception {
        OnnxModel m = gpt2();
        PrunableGroup width = GroupFinder.analyze(m).group("hidden:/wte/Gather").orElseThrow();
        int[] silent = {5, 6, 33, 60};
        MutableGraph g = MutableGraph.of(m);
        for (TensorSlice s : width.slices()) {
            var t = g.initializer(s.initializer());
            if (t.getDimsCount() == 2 && s.axis() == 0) continue; // a reader's rows: left as they are
            float[] v = Tensors.toFloats(t);
            SliceIndexing ix = new SliceIndexing(Tensors.dims(t), s.axis());
            for (int i = 0; i < v.length; i++) for (int c : silent) if (ix.axisIndex(i) == c) v[i] = 0;
            g.putInitializer(Tensors.floats(t.getName(), Tensors.dims(t), v));
        }
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph narrow = MutableGraph.of(silenced);
        StructuredPruner.prune(narrow, width, IntStream.range(0, 64).filter(c -> Arrays.stream(silent).noneMatch(s -> s == c)).toArray());
        OnnxModel narrowModel = OnnxModel.of(narrow.toModel());
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7).withContext(5), 3);
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(narrowModel, OrtRunner.RunnerSettings.cpu(1))) {
            double diff = maxAbsDiff(a.run(in).get("logits").floats(), b.run(in).get("logits").floats());
            assertTrue(diff < 1e-4, "silent channels removed exactly, every LayerNormalization compensated: " + diff);
        }
    }

    /** {@code in} with layer 0's cache, [1, heads, context, headSize], cut to the {@code kept} heads in order. */
    static Map<String, TensorData> withCacheHeads(Map<String, TensorData> in, int[] kept, int context, int headSize) {
        Map<String, TensorData> out = new LinkedHashMap<>(in);
        int block = context * headSize;
        for (String c : List.of("past_key_values.0.key", "past_key_values.0.value")) {
            float[] full = in.get(c).floats(), cut = new float[kept.length * block];
            for (int i = 0; i < kept.length; i++) System.arraycopy(full, kept[i] * block, cut, i * block, block);
            out.put(c, TensorData.ofFloats(new long[] {1, kept.length, context, headSize}, cut));
        }
        return out;
    }
}
