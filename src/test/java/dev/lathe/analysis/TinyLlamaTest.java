package dev.lathe.analysis;

import dev.lathe.SampleModels;
import dev.lathe.TestModels;
import dev.lathe.model.CachedGeneration;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/** The Llama-shaped sample decoder (sample-models/make_tiny_llama.py): RMSNorm, SwiGLU, grouped-query attention, rotary embeddings, a KV cache. */
class TinyLlamaTest {
    static OnnxModel llama() {
        return OnnxModel.load(TestModels.samples().resolve("tiny-llama/model.onnx"));
    }

    static long[] prompt() {
        byte[] b = "The build fails when".getBytes(StandardCharsets.US_ASCII);
        long[] t = new long[b.length];
        for (int i = 0; i < b.length; i++) t[i] = b[i];
        return t;
    }

    @Test
    void isASampleAndGeneratesTheSameTokensWithAndWithoutItsCache() throws Exception {
        assertTrue(SampleModels.byName("tiny-llama").isPresent(), "sample:tiny-llama resolves");
        OnnxModel m = llama();
        try (OrtRunner r = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            CachedGeneration gen = new CachedGeneration(m, r);
            long[] cached = gen.withCache(prompt(), 6), uncached = gen.withoutCache(prompt(), 6);
            assertArrayEquals(uncached, cached, "the cache changes nothing");
            // Briefly trained on the sentences: after "The build fails when" it writes a space.
            assertEquals(' ', cached[0]);
        }
    }

    @Test
    void gatedMlpUnitsAreOneGroupPerLayerAndPruneExactly() throws Exception {
        OnnxModel m = llama();
        GroupFinder.Result r = GroupFinder.analyze(m);
        List<PrunableGroup> ffn = r.groups().stream().filter(g -> g.kind() == GroupKind.FFN_UNITS).toList();
        assertEquals(List.of("ffn:/layers.0/mlp/gate_proj/MatMul", "ffn:/layers.1/mlp/gate_proj/MatMul"), ffn.stream().map(PrunableGroup::id).toList(),
                r.groups() + "\n" + r.unprunable());
        PrunableGroup first = ffn.get(0);
        assertEquals(128, first.size());
        assertEquals(3, first.slices().size(), "gate and up columns, down rows");

        // Silence 32 units: zero gate columns make silu(gate) * up exactly zero there.
        int[] silent = IntStream.range(0, 32).map(i -> i * 4).toArray();
        MutableGraph g = MutableGraph.of(m);
        var gate = g.initializer(first.slices().get(0).initializer());
        float[] w = Tensors.toFloats(gate);
        int units = (int) gate.getDims(1);
        for (int row = 0; row < gate.getDims(0); row++) for (int u : silent) w[row * units + u] = 0;
        g.putInitializer(Tensors.floats(gate.getName(), Tensors.dims(gate), w));
        OnnxModel silenced = OnnxModel.of(g.toModel());

        MutableGraph all = MutableGraph.of(silenced);
        for (PrunableGroup f : ffn) StructuredPruner.prune(all, f, IntStream.range(0, f.size()).toArray());
        MutableGraph pruned = MutableGraph.of(silenced);
        StructuredPruner.prune(pruned, first, IntStream.range(0, 128).filter(u -> u % 4 != 0 || u >= 128).toArray());
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7).withContext(5), 3);
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(OnnxModel.of(pruned.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            var expected = a.run(in);
            assertArrayEquals(expected.get("logits").floats(), keepAll.run(in).get("logits").floats(), "keep 1.0 is exact");
            var got = b.run(in);
            assertTrue(maxAbsDiff(expected.get("logits").floats(), got.get("logits").floats()) < 1e-5, "silent units removed exactly");
            assertArrayEquals(expected.get("present.1.value").floats(), got.get("present.1.value").floats(), 1e-5f);
        }
    }

    @Test
    void keyValueGroupsArePrunedWithTheirQueryHeadsAndTheCacheShrinks() throws Exception {
        OnnxModel m = llama();
        GroupFinder.Result r = GroupFinder.analyze(m);
        List<PrunableGroup> heads = r.groups().stream().filter(g -> g.kind() == GroupKind.ATTENTION_HEADS).toList();
        assertEquals(List.of("heads:/layers.0/self_attn", "heads:/layers.1/self_attn"), heads.stream().map(PrunableGroup::id).toList(),
                r.groups() + "\n" + r.unprunable());
        PrunableGroup first = heads.get(0);
        assertEquals(2, first.size(), "two key/value groups of two query heads each");
        assertEquals(List.of(32, 16, 16, 32), first.slices().stream().map(s -> s.width(first)).toList(), "query and output: 2 heads of 16; key and value: 1");

        // Zeroing a group's output-projection rows silences it: removing it leaves the logits as they were.
        MutableGraph g = MutableGraph.of(m);
        var wo = g.initializer(first.slices().get(3).initializer());
        float[] w = Tensors.toFloats(wo);
        java.util.Arrays.fill(w, 32 * 64, 64 * 64, 0f);
        g.putInitializer(Tensors.floats(wo.getName(), Tensors.dims(wo), w));
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph all = MutableGraph.of(silenced);
        for (PrunableGroup h : heads) StructuredPruner.prune(all, h, new int[] {0, 1});
        MutableGraph pruned = MutableGraph.of(silenced);
        StructuredPruner.prune(pruned, first, new int[] {0});
        OnnxModel small = OnnxModel.of(pruned.toModel());
        assertEquals(1, small.proto().getGraph().getInputList().stream().filter(v -> v.getName().equals("past_key_values.0.key")).findFirst()
                .orElseThrow().getType().getTensorType().getShape().getDim(1).getDimValue(), "the cache input declares one key/value head");
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7).withContext(5), 3);
        Map<String, TensorData> smallIn = new java.util.LinkedHashMap<>(in);
        // The cache the pruned model reads is the original's kept head.
        for (String c : List.of("past_key_values.0.key", "past_key_values.0.value")) {
            float[] full = in.get(c).floats();
            smallIn.put(c, TensorData.ofFloats(new long[] {1, 1, 5, 16}, java.util.Arrays.copyOf(full, 5 * 16)));
        }
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(small, OrtRunner.RunnerSettings.cpu(1))) {
            var expected = a.run(in);
            assertArrayEquals(expected.get("logits").floats(), keepAll.run(in).get("logits").floats(), "keep 1.0 is exact");
            var got = b.run(smallIn);
            assertTrue(maxAbsDiff(expected.get("logits").floats(), got.get("logits").floats()) < 1e-5, "a silent key/value group removed exactly");
            assertArrayEquals(new long[] {1, 1, 12, 16}, got.get("present.0.key").shape());
            CachedGeneration gen = new CachedGeneration(small, b);
            assertArrayEquals(gen.withoutCache(prompt(), 6), gen.withCache(prompt(), 6), "the pruned cache changes nothing");
        }
    }

    @Test
    void theHiddenWidthIsOneGroupAndSilentChannelsAreRemovedExactly() throws Exception {
        OnnxModel m = llama();
        GroupFinder.Result r = GroupFinder.analyze(m);
        PrunableGroup width = r.groups().stream().filter(g -> g.kind() == GroupKind.HIDDEN_WIDTH).findFirst()
                .orElseThrow(() -> new AssertionError(r.unprunable().toString()));
        assertEquals(64, width.size());
        // The embedding, 5 norm scales, per layer 5 readers (q, k, v, gate, up) and 2 writers (o, down), the LM head.
        assertEquals(1 + 5 + 2 * 7 + 1, width.slices().size(), width.slices().toString());
        assertEquals(5, width.normPatches().size());

        // A channel that is zero in the embedding and never written by a projection stays zero all along the stream.
        int[] silent = {3, 17, 40, 41};
        MutableGraph g = MutableGraph.of(m);
        for (TensorSlice s : width.slices()) {
            var t = g.initializer(s.initializer());
            boolean written = s.initializer().equals("embed_tokens.weight") || s.axis() == 1 && !s.initializer().equals("embed_tokens.weight");
            if (!written) continue;
            float[] v = Tensors.toFloats(t);
            var ix = new dev.lathe.transform.pruning.SliceIndexing(Tensors.dims(t), s.axis());
            for (int i = 0; i < v.length; i++) for (int c : silent) if (ix.axisIndex(i) == c) v[i] = 0;
            g.putInitializer(Tensors.floats(t.getName(), Tensors.dims(t), v));
        }
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph all = MutableGraph.of(silenced);
        StructuredPruner.prune(all, width, IntStream.range(0, 64).toArray());
        MutableGraph pruned = MutableGraph.of(silenced);
        StructuredPruner.prune(pruned, width, IntStream.range(0, 64).filter(c -> java.util.Arrays.stream(silent).noneMatch(s -> s == c)).toArray());
        OnnxModel narrow = OnnxModel.of(pruned.toModel());
        assertEquals(60, narrow.proto().getGraph().getInitializerList().stream().filter(t -> t.getName().equals("norm.weight")).findFirst().orElseThrow().getDims(0));
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7).withContext(5), 3);
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(narrow, OrtRunner.RunnerSettings.cpu(1))) {
            float[] expected = a.run(in).get("logits").floats();
            assertArrayEquals(expected, keepAll.run(in).get("logits").floats(), "keep 1.0 is exact");
            assertTrue(maxAbsDiff(expected, b.run(in).get("logits").floats()) < 1e-4, "silent channels removed exactly, the norms compensated");
        }
    }
}
