package dev.lathe.analysis;

import dev.lathe.TinyGraphs;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/** An MLP whose hidden layers each feed a LayerNorm written out as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add. */
class LayerNormMlpTest {
    /** Two hidden layers of 32 and 24 units; {@code silent} units of the first have zero weights, bias, LayerNorm scale and shift. */
    static OnnxModel mlp(int... silent) {
        float[] w1 = TinyGraphs.gaussian(16 * 32, 1), b1 = TinyGraphs.gaussian(32, 2), g1 = TinyGraphs.gaussian(32, 3), s1 = TinyGraphs.gaussian(32, 4);
        for (int u : silent) { for (int r = 0; r < 16; r++) w1[r * 32 + u] = 0; b1[u] = 0; g1[u] = 0; s1[u] = 0; }
        TinyGraphs t = new TinyGraphs(9).tensor("w1", new long[] {16, 32}, w1).tensor("b1", new long[] {32}, b1)
                .tensor("g1", new long[] {32}, g1).tensor("s1", new long[] {32}, s1)
                .weight("w2", 32, 24).weight("b2", 24).weight("g2", 24).weight("s2", 24).weight("w3", 24, 10).weight("b3", 10)
                .tensor("two", new long[0], new float[] {2}).tensor("eps", new long[0], new float[] {1e-5f})
                .input("x", "n", 16)
                .node("Gemm", "h1", List.of("x", "w1", "b1"));
        layerNorm(t, "h1", "g1", "s1", "n1");
        t.node("Relu", "a1", List.of("n1")).node("Gemm", "h2", List.of("a1", "w2", "b2"));
        layerNorm(t, "h2", "g2", "s2", "n2");
        return t.node("Relu", "a2", List.of("n2")).node("Gemm", "y", List.of("a2", "w3", "b3")).output("y", "n", 10).model(13);
    }

    private static void layerNorm(TinyGraphs t, String x, String scale, String shift, String out) {
        t.node("ReduceMean", x + ".mean", List.of(x), ints("axes", -1)).node("Sub", x + ".d", List.of(x, x + ".mean"))
                .node("Pow", x + ".sq", List.of(x + ".d", "two")).node("ReduceMean", x + ".var", List.of(x + ".sq"), ints("axes", -1))
                .node("Add", x + ".vareps", List.of(x + ".var", "eps")).node("Sqrt", x + ".std", List.of(x + ".vareps"))
                .node("Div", x + ".norm", List.of(x + ".d", x + ".std")).node("Mul", x + ".scaled", List.of(x + ".norm", scale))
                .node("Add", out, List.of(x + ".scaled", shift));
    }

    @Test
    void unitsFeedingALayerNormAreGroupedWithItsScaleAndShiftAndRemovedExactly() throws Exception {
        int[] silent = {1, 5, 6, 20, 31};
        OnnxModel m = mlp(silent);
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        assertEquals(List.of("mlp:h1", "mlp:h2"), r.groups().stream().map(PrunableGroup::id).toList(), r.unprunable().toString());
        PrunableGroup first = r.group("mlp:h1").orElseThrow();
        assertEquals(List.of("w1", "b1", "g1", "s1", "w2"), first.slices().stream().map(PrunableGroup.TensorSlice::initializer).toList());
        assertEquals(1, first.normPatches().size());

        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(4, 1), 2);
        MutableGraph all = MutableGraph.of(m);
        for (PrunableGroup g : r.groups()) StructuredPruner.prune(all, g, IntStream.range(0, g.size()).toArray());
        MutableGraph pruned = MutableGraph.of(m);
        StructuredPruner.prune(pruned, first, IntStream.range(0, 32).filter(u -> Arrays.stream(silent).noneMatch(s -> s == u)).toArray());
        MutableGraph uncompensated = MutableGraph.of(m);
        PrunableGroup plain = new PrunableGroup(first.id(), first.kind(), first.name(), first.size(), 1, first.slices(), List.of(), first.consumer());
        StructuredPruner.prune(uncompensated, plain, IntStream.range(0, 32).filter(u -> Arrays.stream(silent).noneMatch(s -> s == u)).toArray());
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(OnnxModel.of(pruned.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner c = OrtRunner.of(OnnxModel.of(uncompensated.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            float[] expected = a.run(in).get("y").floats();
            assertArrayEquals(expected, keepAll.run(in).get("y").floats(), "keep 1.0 is exact");
            assertTrue(maxAbsDiff(expected, b.run(in).get("y").floats()) < 1e-5, "silent units removed exactly: the LayerNorm keeps the full width's statistics");
            assertTrue(maxAbsDiff(expected, c.run(in).get("y").floats()) > 1e-3, "without the compensation the statistics change");
        }
    }
}
