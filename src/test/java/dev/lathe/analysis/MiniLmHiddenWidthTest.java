package dev.lathe.analysis;

import dev.lathe.TestModels;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.SliceIndexing;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/**
 * all-MiniLM-L6-v2 with only its pooler output kept (the [CLS] token's Gather, a dense layer, Tanh): its residual
 * stream is no model output any more, so the hidden width is one group through the embeddings, 13 LayerNorms, every
 * projection, and the pooler's pick of a token.
 */
@Tag("minilm")
@Tag("slow")
class MiniLmHiddenWidthTest {
    static OnnxModel pooled() {
        OnnxModel m = OnnxModel.load(TestModels.minilm());
        var b = m.proto().toBuilder();
        var outs = b.getGraph().getOutputList().stream().filter(o -> o.getName().equals("882")).toList();
        assertEquals(1, outs.size(), "MiniLM's pooler output");
        b.getGraphBuilder().clearOutput().addAllOutput(outs);
        return OnnxModel.of(MutableGraph.of(OnnxModel.of(b.build())).toModel());
    }

    @Test
    void thePooledEncodersWidthIsOneGroupAndSilentChannelsGoExactly() throws Exception {
        OnnxModel m = pooled();
        assertTrue(GroupFinder.analyze(OnnxModel.load(TestModels.minilm())).groups().stream().noneMatch(g -> g.kind() == GroupKind.HIDDEN_WIDTH),
                "with its hidden states as an output, MiniLM has no width group");
        PrunableGroup width = GroupFinder.analyze(m).groups().stream().filter(g -> g.kind() == GroupKind.HIDDEN_WIDTH).findFirst().orElseThrow();
        assertEquals(384, width.size());
        assertEquals(13, width.normPatches().size(), "the embeddings' LayerNorm and two per layer");

        int[] silent = {7, 100, 101, 383};
        MutableGraph g = MutableGraph.of(m);
        for (TensorSlice s : width.slices()) {
            var t = g.initializer(s.initializer());
            if (t.getDimsCount() == 2 && s.axis() == 0 && !s.initializer().contains("embeddings")) continue; // readers' rows
            float[] v = Tensors.toFloats(t);
            SliceIndexing ix = new SliceIndexing(Tensors.dims(t), s.axis());
            for (int i = 0; i < v.length; i++) for (int c : silent) if (ix.axisIndex(i) == c) v[i] = 0;
            g.putInitializer(Tensors.floats(t.getName(), Tensors.dims(t), v));
        }
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph all = MutableGraph.of(silenced);
        StructuredPruner.prune(all, width, IntStream.range(0, 384).toArray());
        MutableGraph narrow = MutableGraph.of(silenced);
        StructuredPruner.prune(narrow, width, IntStream.range(0, 384).filter(c -> Arrays.stream(silent).noneMatch(s -> s == c)).toArray());
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 12), 5);
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(OnnxModel.of(narrow.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            float[] expected = a.run(in).get("882").floats();
            assertArrayEquals(expected, keepAll.run(in).get("882").floats(), "keep 1.0 is exact");
            double diff = maxAbsDiff(expected, b.run(in).get("882").floats());
            assertTrue(diff < 1e-4, "silent channels removed exactly through 13 compensated LayerNorms: " + diff);
        }
    }
}
