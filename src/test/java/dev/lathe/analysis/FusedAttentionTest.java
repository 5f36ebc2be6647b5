package dev.lathe.analysis;

import dev.lathe.TinyGraphs;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.gaussian;
import static dev.lathe.TinyGraphs.ints;
import static dev.lathe.TinyGraphs.integer;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Attention with one fused query/key/value projection, as GPT-2 (Conv1D: rows flattened, Gemm, reshaped back
 * with a shape computed from the input, then Split) and timm/ViT-style exports (MatMul + Add, then Slice) write
 * it. The three sides live at offsets of one weight; the split sizes or slice bounds scale with the kept heads.
 */
public class FusedAttentionTest {
    public static final int H = 4, D = 4, W = H * D;

    public enum Form { GPT2_GEMM_SPLIT_INPUT, SPLIT_ATTRIBUTE, SLICES }

    public static OnnxModel attention(Form form, float[] projection) {
        TinyGraphs t = new TinyGraphs(5)
                .weight("w_attn", W, 3 * W).weight("b_attn", 3 * W)
                .tensor("w_proj", new long[] {W, W}, projection).weight("b_proj", W)
                .longs("rows", -1, W).longs("heads", 0, 0, H, D).longs("merged", 0, 0, W).longs("merged_rows", -1, W)
                .longs("wide", 3 * W).longs("model_width", W).longs("zero", 0).longs("one", 1)
                .longs("sizes", W, W, W).longs("axis", -1)
                .longs("s0", 0).longs("e0", W).longs("s1", W).longs("e1", 2 * W).longs("s2", 2 * W).longs("e2", Long.MAX_VALUE)
                .tensor("scale", new long[] {}, new float[] {2f});
        t.input("x", "n", "s", W)
                // batch and sequence read at run time, as torch exporters write x.size()[:-1] + (3W,)
                .node("Shape", "x_shape", List.of("x"))
                .node("Gather", "x_n", List.of("x_shape", "zero"), integer("axis", 0))
                .node("Gather", "x_s", List.of("x_shape", "one"), integer("axis", 0));
        int opset = form == Form.SPLIT_ATTRIBUTE ? 11 : 13;
        if (form == Form.SLICES) {
            t.node("MatMul", "qkv0", List.of("x", "w_attn")).node("Add", "qkv", List.of("qkv0", "b_attn"))
                    .node("Slice", "q1", List.of("qkv", "s0", "e0", "axis"))
                    .node("Slice", "k1", List.of("qkv", "s1", "e1", "axis"))
                    .node("Slice", "v1", List.of("qkv", "s2", "e2", "axis"));
        } else {
            t.node("Reshape", "x_rows", List.of("x", "rows"))
                    .node("Gemm", "qkv_rows", List.of("x_rows", "w_attn", "b_attn"))
                    .node("Concat", "qkv_shape", List.of("x_n", "x_s", "wide"), integer("axis", 0))
                    .node("Reshape", "qkv", List.of("qkv_rows", "qkv_shape"));
            var split = ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Split").setName("split").addInput("qkv")
                    .addOutput("q1").addOutput("k1").addOutput("v1").addAttribute(integer("axis", 2));
            if (form == Form.SPLIT_ATTRIBUTE) split.addAttribute(ints("split", W, W, W)); else split.addInput("sizes");
            t.raw(split.build());
        }
        t.node("Reshape", "q2", List.of("q1", "heads")).node("Transpose", "q3", List.of("q2"), ints("perm", 0, 2, 1, 3))
                .node("Reshape", "k2", List.of("k1", "heads")).node("Transpose", "k3", List.of("k2"), ints("perm", 0, 2, 3, 1))
                .node("Reshape", "v2", List.of("v1", "heads")).node("Transpose", "v3", List.of("v2"), ints("perm", 0, 2, 1, 3))
                .node("MatMul", "sc", List.of("q3", "k3")).node("Div", "sc1", List.of("sc", "scale"))
                .node("Softmax", "p", List.of("sc1"), integer("axis", -1))
                .node("MatMul", "c", List.of("p", "v3")).node("Transpose", "c1", List.of("c"), ints("perm", 0, 2, 1, 3))
                .node("Reshape", "c2", List.of("c1", "merged"))
                .node("Reshape", "c3", List.of("c2", "merged_rows"))
                .node("Gemm", "o_rows", List.of("c3", "w_proj", "b_proj"))
                .node("Concat", "o_shape", List.of("x_n", "x_s", "model_width"), integer("axis", 0))
                .node("Reshape", "y", List.of("o_rows", "o_shape"))
                .output("y", "n", "s", W);
        return t.model(opset);
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void fusedProjectionsArePrunedPerHeadAndSilentHeadsGoExactly(Form form) throws Exception {
        float[] proj = gaussian(W * W, 7);
        int[] silent = {0, 2};
        for (int h : silent) for (int d = 0; d < D; d++) for (int o = 0; o < W; o++) proj[(h * D + d) * W + o] = 0f;
        OnnxModel m = attention(form, proj);
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        PrunableGroup heads = r.groups().stream().filter(g -> g.kind() == GroupKind.ATTENTION_HEADS).findFirst()
                .orElseThrow(() -> new AssertionError("no heads found: " + r.unprunable()));
        assertEquals(H, heads.size());
        assertEquals(D, heads.blockWidth());
        assertEquals(3, heads.slices().stream().filter(s -> s.initializer().equals("w_attn")).count(), "query, key and value sides of one weight");

        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(2, 5), 3);
        float[] want;
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) { want = a.run(in).get("y").floats(); }

        MutableGraph all = MutableGraph.of(m);
        StructuredPruner.prune(all, heads, new int[] {0, 1, 2, 3});
        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, heads, new int[] {1, 3});
        OnnxModel pruned = OnnxModel.of(g.toModel());
        assertArrayEquals(new long[] {W, 3 * W / 2}, dev.lathe.model.Tensors.dims(g.initializer("w_attn")));
        assertTrue(pruned.parameterCount() < m.parameterCount());
        try (OrtRunner b = OrtRunner.of(pruned, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner c = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            TensorData got = b.run(in).get("y");
            assertArrayEquals(new long[] {2, 5, W}, got.shape());
            assertTrue(maxAbsDiff(want, got.floats()) < 1e-5, "silent heads removed: " + maxAbsDiff(want, got.floats()));
            assertEquals(0.0, maxAbsDiff(want, c.run(in).get("y").floats()), "keeping every head changes nothing");
        }

        // Removing heads that do contribute changes the output but keeps the model valid: every side shrank alike.
        MutableGraph h = MutableGraph.of(m);
        StructuredPruner.prune(h, heads, new int[] {0, 2, 3});
        try (OrtRunner b = OrtRunner.of(OnnxModel.of(h.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            assertArrayEquals(new long[] {2, 5, W}, b.run(in).get("y").shape());
        }
    }
}
