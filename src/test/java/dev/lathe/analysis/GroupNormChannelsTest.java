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

import java.util.List;
import java.util.Map;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.ints;
import static dev.lathe.TinyGraphs.integer;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Convolution channels through a GroupNorm, in the three forms exporters write: the GroupNormalization operator of
 * opset 21 (scale and bias per channel) and of opset 18 (per group), and torch's Reshape, InstanceNormalization,
 * Reshape and per-channel affine before opset 18. 8 channels in 4 norm groups of 2; a unit is one norm group.
 */
class GroupNormChannelsTest {
    enum Form { OPERATOR_21, OPERATOR_18, TORCH }

    /** Conv 3->8, GroupNorm, Relu, a depthwise Conv, Conv 8->5; {@code silentGroups}: c2 reads nothing from those groups. */
    static OnnxModel cnn(Form form, int... silentGroups) {
        float[] w2 = TinyGraphs.gaussian(5 * 8 * 9, 7);
        for (int g : silentGroups) for (int o = 0; o < 5; o++) for (int c = 2 * g; c < 2 * g + 2; c++) for (int k = 0; k < 9; k++) w2[(o * 8 + c) * 9 + k] = 0;
        TinyGraphs t = new TinyGraphs(5).weight("w1", 8, 3, 3, 3).weight("b1", 8).tensor("w2", new long[] {5, 8, 3, 3}, w2).weight("b2", 5)
                .weight("dw", 8, 1, 3, 3).weight("dwb", 8)
                .input("x", "n", 3, 6, 6)
                .node("Conv", "h", List.of("x", "w1", "b1"), ints("pads", 1, 1, 1, 1));
        switch (form) {
            case OPERATOR_21 -> t.weight("gamma", 8).weight("beta", 8)
                    .node("GroupNormalization", "gn", List.of("h", "gamma", "beta"), integer("num_groups", 4));
            case OPERATOR_18 -> t.weight("gamma", 4).weight("beta", 4)
                    .node("GroupNormalization", "gn", List.of("h", "gamma", "beta"), integer("num_groups", 4));
            case TORCH -> t.longs("groups_shape", 0, 4, -1).tensor("ones", new long[] {4}, new float[] {1, 1, 1, 1}).tensor("zeros", new long[] {4}, new float[4])
                    .weight("gamma", 8, 1, 1).weight("beta", 8, 1, 1)
                    .node("Reshape", "h.grouped", List.of("h", "groups_shape")).node("InstanceNormalization", "h.norm", List.of("h.grouped", "ones", "zeros"))
                    .node("Shape", "h.shape", List.of("h")).node("Reshape", "h.back", List.of("h.norm", "h.shape"))
                    .node("Mul", "h.scaled", List.of("h.back", "gamma")).node("Add", "gn", List.of("h.scaled", "beta"));
        }
        return t.node("Relu", "a", List.of("gn"))
                .node("Conv", "d", List.of("a", "dw", "dwb"), ints("pads", 1, 1, 1, 1), integer("group", 8))
                .node("Conv", "y", List.of("d", "w2", "b2"), ints("pads", 1, 1, 1, 1))
                .output("y", "n", 5, 6, 6).model(form == Form.OPERATOR_21 ? 21 : form == Form.OPERATOR_18 ? 18 : 13);
    }

    @Test
    void wholeNormGroupsAreTheUnitsAndSilentOnesGoExactly() throws Exception {
        for (Form form : Form.values()) {
            OnnxModel m = cnn(form, 1, 3);
            GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
            PrunableGroup g = r.group("conv:h").orElseThrow(() -> new AssertionError(form + ": " + r.unprunable()));
            assertEquals(4, g.size(), form + ": one unit per norm group");
            assertEquals(2, g.blockWidth());
            Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(2, 1), 4);
            MutableGraph all = MutableGraph.of(m);
            StructuredPruner.prune(all, g, new int[] {0, 1, 2, 3});
            MutableGraph pruned = MutableGraph.of(m);
            StructuredPruner.prune(pruned, g, new int[] {0, 2});
            OnnxModel narrow = OnnxModel.of(pruned.toModel());
            assertArrayEquals(new long[] {4, 3, 3, 3}, Tensors.dims(narrow.proto().getGraph().getInitializerList().stream().filter(x -> x.getName().equals("w1")).findFirst().orElseThrow()));
            try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1));
                 OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
                 OrtRunner b = OrtRunner.of(narrow, OrtRunner.RunnerSettings.cpu(1))) {
                float[] expected = a.run(in).get("y").floats();
                assertArrayEquals(expected, keepAll.run(in).get("y").floats(), form + ": keep 1.0 is exact");
                double diff = maxAbsDiff(expected, b.run(in).get("y").floats());
                assertTrue(diff < 1e-5, form + ": two silent norm groups removed exactly, the kept groups' statistics untouched: " + diff);
            }
        }
    }
}
