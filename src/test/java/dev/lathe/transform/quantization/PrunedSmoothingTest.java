package dev.lathe.transform.quantization;

import dev.lathe.analysis.FusedAttentionTest;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.gaussian;
import static dev.lathe.analysis.FusedAttentionTest.W;
import static org.junit.jupiter.api.Assertions.*;

/**
 * SmoothQuant on a pruned graph with the attention roles of the original's analysis (computed once, not again per
 * candidate): the value side is found by name, and its place in a fused projection is counted in the pruned width.
 */
class PrunedSmoothingTest {
    static List<Map<String, TensorData>> inputs(OnnxModel m, int n, long seed) {
        List<Map<String, TensorData>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(SyntheticInputs.generate(m, InputShapes.of(2, 5), seed + i));
        return out;
    }

    @ParameterizedTest
    @EnumSource(FusedAttentionTest.Form.class)
    void theFusedValueSideAbsorbsTheFactorsOfTheMergedHeadsAfterHalfTheHeadsAreGone(FusedAttentionTest.Form form) throws Exception {
        OnnxModel m = FusedAttentionTest.attention(form, gaussian(W * W, 7));
        GroupFinder.Result analysis = GroupFinder.analyze(m);
        assertEquals(1, analysis.attention().size(), analysis.unprunable().toString());
        PrunableGroup heads = analysis.attention().get(0);
        assertEquals(2, heads.attention().value().side(), "value is the third side of the fused projection");
        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, heads, new int[] {1, 3});
        OnnxModel pruned = OnnxModel.of(g.toModel());
        int kept = W / 2;

        SmoothQuant.Plan plan = SmoothQuant.plan(g, Set.of(heads.attention().output()), Set.of(), analysis.attention());
        assertEquals(Map.of(heads.consumer().input(), kept), plan.widths(), "the output projection reads the merged kept heads");
        SmoothQuant.Result r = SmoothQuant.apply(g, plan, ActivationCalibrator.channelMaxima(g, plan.widths(), inputs(pruned, 4, 11)), 0.5);
        assertEquals(new SmoothQuant.Result(1, 1, 0), r, "folded into the value side, no Mul");
        OnnxModel smoothed = OnnxModel.of(g.toModel());

        // Smoothing writes each scaled weight under a name of its own: read the one the value projection reads now.
        String value = heads.attention().value().node();
        float[] before = Tensors.toFloats(MutableGraph.of(pruned).initializer("w_attn"));
        float[] after = Tensors.toFloats(g.initializer(g.node(NodeNames.require(g, value)).getInput(1)));
        int cols = 3 * kept;
        double queryKeyChange = 0, valueChange = 0;
        for (int row = 0; row < W; row++)
            for (int c = 0; c < cols; c++) {
                double d = Math.abs(before[row * cols + c] - after[row * cols + c]);
                if (c < 2 * kept) queryKeyChange = Math.max(queryKeyChange, d); else valueChange = Math.max(valueChange, d);
            }
        assertEquals(0.0, queryKeyChange, "query and key columns untouched");
        assertTrue(valueChange > 1e-3, "the value columns were divided by s: " + valueChange);
        for (Map<String, TensorData> in : inputs(pruned, 3, 50)) {
            float[] want = SmoothQuantTest.run(pruned, in).get("y").floats(), got = SmoothQuantTest.run(smoothed, in).get("y").floats();
            assertTrue(maxAbsDiff(want, got) < 1e-4, "smoothing is exact in float: " + maxAbsDiff(want, got));
        }
    }
}
