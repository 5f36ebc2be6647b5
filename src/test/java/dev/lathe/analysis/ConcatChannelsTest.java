package dev.lathe.analysis;

import dev.lathe.TinyGraphs;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.gaussian;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/** Inception-style branches joined by a channel Concat: each branch's channels sit at an offset of the reader's input. */
class ConcatChannelsTest {
    static OnnxModel branches(boolean batchNorm, float[] bWeights, float[] bBias) {
        TinyGraphs t = new TinyGraphs(5).weight("a.w", 4, 3, 3, 3).weight("a.b", 4)
                .tensor("b.w", new long[] {6, 3, 1, 1}, bWeights).tensor("b.b", new long[] {6}, bBias)
                .weight("c.w", 3, 10, 3, 3).weight("c.b", 3)
                .weight("bn.s", 10).weight("bn.b", 10).weight("bn.m", 10).positive("bn.v", 10)
                .input("x", "n", 3, 6, 6)
                .node("Conv", "ha", List.of("x", "a.w", "a.b"), ints("pads", 1, 1, 1, 1)).node("Relu", "ra", List.of("ha"))
                .node("Conv", "hb", List.of("x", "b.w", "b.b")).node("Relu", "rb", List.of("hb"))
                .node("Concat", "cat", List.of("ra", "rb"), TinyGraphs.integer("axis", 1));
        String into = "cat";
        if (batchNorm) {
            t.node("BatchNormalization", "bn", List.of("cat", "bn.s", "bn.b", "bn.m", "bn.v"));
            into = "bn";
        }
        return t.node("Relu", "r", List.of(into)).node("Conv", "y", List.of("r", "c.w", "c.b"), ints("pads", 1, 1, 1, 1))
                .output("y", "n", 3, 6, 6).model(17);
    }

    @Test
    void eachBranchIsAGroupAtItsOffsetInTheReader() {
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(branches(true, gaussian(18, 1), gaussian(6, 2))));
        List<PrunableGroup> g = r.groups();
        assertEquals(List.of("conv:ha", "conv:hb"), g.stream().map(PrunableGroup::id).toList(), r.unprunable().toString());
        assertEquals(List.of("a.w@0+0", "a.b@0+0", "bn.s@0+0", "bn.b@0+0", "bn.m@0+0", "bn.v@0+0", "c.w@1+0"), describe(g.get(0)));
        assertEquals(List.of("b.w@0+0", "b.b@0+0", "bn.s@0+4", "bn.b@0+4", "bn.m@0+4", "bn.v@0+4", "c.w@1+4"), describe(g.get(1)));
        assertNull(g.get(1).consumer(), "no refit for a reader of concatenated channels yet");
    }

    static List<String> describe(PrunableGroup g) {
        List<String> out = new ArrayList<>();
        g.slices().forEach(s -> out.add(s.initializer() + "@" + s.axis() + "+" + s.offset()));
        return out;
    }

    @Test
    void removingSilentChannelsOfTheSecondBranchIsExact() throws Exception {
        float[] bw = gaussian(18, 1), bb = gaussian(6, 2);
        for (int c : new int[] {1, 3}) { for (int k = 0; k < 3; k++) bw[c * 3 + k] = 0; bb[c] = 0; }
        OnnxModel m = branches(false, bw, bb);
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        PrunableGroup second = r.group("conv:hb").orElseThrow();
        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, second, new int[] {0, 2, 4, 5});
        StructuredPruner.prune(g, r.group("conv:ha").orElseThrow(), new int[] {0, 1, 2, 3});
        assertArrayEquals(new long[] {3, 8, 3, 3}, Tensors.dims(g.initializer("c.w")), "the reader loses two of its ten input channels");
        OnnxModel pruned = OnnxModel.of(g.toModel());
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(2, 1), 4);
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(pruned, OrtRunner.RunnerSettings.cpu(1))) {
            assertTrue(maxAbsDiff(a.run(in).get("y").floats(), b.run(in).get("y").floats()) < 1e-5);
        }
    }
}
