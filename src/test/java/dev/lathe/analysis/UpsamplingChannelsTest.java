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

import java.util.List;
import java.util.Map;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.gaussian;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/** A decoder path as in U-Nets and FPNs: Conv, Resize to an explicit size, Conv, ConvTranspose. */
class UpsamplingChannelsTest {
    static OnnxModel decoder(float[] aWeights, float[] aBias) {
        return new TinyGraphs(17)
                .tensor("a.w", new long[] {6, 3, 3, 3}, aWeights).tensor("a.b", new long[] {6}, aBias)
                .weight("b.w", 4, 6, 3, 3).weight("b.b", 4).weight("c.w", 4, 2, 2, 2).weight("c.b", 2)
                .longs("sizes", 1, 6, 8, 8)
                .input("x", 1, 3, 4, 4)
                .node("Conv", "a", List.of("x", "a.w", "a.b"), ints("pads", 1, 1, 1, 1)).node("Relu", "ra", List.of("a"))
                .node("Resize", "up", List.of("ra", "", "", "sizes"))
                .node("Conv", "b", List.of("up", "b.w", "b.b"), ints("pads", 1, 1, 1, 1)).node("Relu", "rb", List.of("b"))
                .node("ConvTranspose", "y", List.of("rb", "c.w", "c.b"), ints("strides", 2, 2))
                .output("y", 1, 2, 16, 16)
                .model(17);
    }

    @Test
    void resizeSizesAndTransposedFiltersFollowTheChannels() throws Exception {
        float[] aw = gaussian(6 * 27, 1), ab = gaussian(6, 2);
        for (int c : new int[] {2, 4}) { java.util.Arrays.fill(aw, c * 27, (c + 1) * 27, 0f); ab[c] = 0; }
        OnnxModel m = decoder(aw, ab);
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        PrunableGroup first = r.group("conv:a").orElseThrow(() -> new AssertionError(r.groups() + " " + r.unprunable()));
        PrunableGroup second = r.group("conv:b").orElseThrow();
        assertEquals(1, first.shapePatches().size(), "the Resize sizes spell the channel count");
        assertTrue(second.slices().stream().anyMatch(s -> s.initializer().equals("c.w") && s.axis() == 0), "ConvTranspose reads channels on axis 0");
        assertTrue(r.unprunable().stream().anyMatch(u -> u.node().equals("y")), "the transposed convolution writes the output");

        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, first, new int[] {0, 1, 3, 5});
        StructuredPruner.prune(g, second, new int[] {0, 1, 2, 3});
        OnnxModel pruned = OnnxModel.of(g.toModel());
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 1), 3);
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(pruned, OrtRunner.RunnerSettings.cpu(1))) {
            assertTrue(maxAbsDiff(a.run(in).get("y").floats(), b.run(in).get("y").floats()) < 1e-5, "silent channels removed exactly");
        }
    }
}
