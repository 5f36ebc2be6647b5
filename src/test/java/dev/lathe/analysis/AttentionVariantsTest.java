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
import static dev.lathe.TinyGraphs.gaussian;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Attention as newer exporters write it with constant folding: the head split is one constant [0, 0, H, D]
 * shared by query, key and value (so rewriting it for one layer must not touch others), the merge a
 * constant [0, 0, H*D].
 */
class AttentionVariantsTest {
    static final int H = 4, D = 4, W = H * D;

    static OnnxModel attention(float[] outputWeights) {
        return attention(outputWeights, new long[] {0, 0, H, D}, new long[] {0, 0, W});
    }

    static OnnxModel attention(float[] outputWeights, long[] split, long[] merge) {
        TinyGraphs t = new TinyGraphs(33)
                .weight("wq", W, W).weight("bq", W).weight("wk", W, W).weight("bk", W).weight("wv", W, W).weight("bv", W)
                .tensor("wo", new long[] {W, W}, outputWeights).weight("bo", W)
                .longs("split", split).longs("merge", merge).tensor("scale", new long[] {}, new float[] {2f});
        return t.input("x", "n", "s", W)
                .node("MatMul", "q0", List.of("x", "wq")).node("Add", "q1", List.of("q0", "bq"))
                .node("MatMul", "k0", List.of("x", "wk")).node("Add", "k1", List.of("bk", "k0"))
                .node("MatMul", "v0", List.of("x", "wv")).node("Add", "v1", List.of("v0", "bv"))
                .node("Reshape", "q2", List.of("q1", "split")).node("Transpose", "q3", List.of("q2"), ints("perm", 0, 2, 1, 3))
                .node("Reshape", "k2", List.of("k1", "split")).node("Transpose", "k3", List.of("k2"), ints("perm", 0, 2, 3, 1))
                .node("Reshape", "v2", List.of("v1", "split")).node("Transpose", "v3", List.of("v2"), ints("perm", 0, 2, 1, 3))
                .node("MatMul", "sc", List.of("q3", "k3")).node("Div", "sc1", List.of("sc", "scale"))
                .node("Softmax", "p", List.of("sc1"), TinyGraphs.integer("axis", -1))
                .node("MatMul", "c", List.of("p", "v3")).node("Transpose", "c1", List.of("c"), ints("perm", 0, 2, 1, 3))
                .node("Reshape", "c2", List.of("c1", "merge"))
                .node("MatMul", "o0", List.of("c2", "wo")).node("Add", "y", List.of("o0", "bo"))
                .output("y", "n", "s", W)
                .model(17);
    }

    /**
     * Opset 11 as older torch exporters wrote it: the head split shape is a Concat of run-time batch and sequence
     * length and of unsqueezed Constant nodes holding the head count and head size.
     */
    static OnnxModel unsqueezedConstantShapes(float[] outputWeights) {
        TinyGraphs t = new TinyGraphs(33)
                .weight("wq", W, W).weight("bq", W).weight("wk", W, W).weight("bk", W).weight("wv", W, W).weight("bv", W)
                .tensor("wo", new long[] {W, W}, outputWeights).weight("bo", W)
                .tensor("scale", new long[] {}, new float[] {2f})
                .raw(constant("zero", 0)).raw(constant("one", 1)).raw(constant("h", H)).raw(constant("d", D)).raw(constant("hd", W));
        t.input("x", "n", "s", W)
                .node("Shape", "xs", List.of("x"))
                .node("Gather", "n0", List.of("xs", "zero"), TinyGraphs.integer("axis", 0)).node("Unsqueeze", "n1", List.of("n0"), ints("axes", 0))
                .node("Gather", "s0", List.of("xs", "one"), TinyGraphs.integer("axis", 0)).node("Unsqueeze", "s1", List.of("s0"), ints("axes", 0))
                .node("Unsqueeze", "h1", List.of("h"), ints("axes", 0)).node("Unsqueeze", "d1", List.of("d"), ints("axes", 0))
                .node("Unsqueeze", "hd1", List.of("hd"), ints("axes", 0))
                .node("Concat", "split", List.of("n1", "s1", "h1", "d1"), TinyGraphs.integer("axis", 0))
                .node("Concat", "merge", List.of("n1", "s1", "hd1"), TinyGraphs.integer("axis", 0));
        for (String side : List.of("q", "k", "v"))
            t.node("MatMul", side + "0", List.of("x", "w" + side)).node("Add", side + "1", List.of(side + "0", "b" + side))
                    .node("Reshape", side + "2", List.of(side + "1", "split"))
                    .node("Transpose", side + "3", List.of(side + "2"), side.equals("k") ? ints("perm", 0, 2, 3, 1) : ints("perm", 0, 2, 1, 3));
        return t.node("MatMul", "sc", List.of("q3", "k3")).node("Div", "sc1", List.of("sc", "scale"))
                .node("Softmax", "p", List.of("sc1"), TinyGraphs.integer("axis", 3))
                .node("MatMul", "c", List.of("p", "v3")).node("Transpose", "c1", List.of("c"), ints("perm", 0, 2, 1, 3))
                .node("Reshape", "c2", List.of("c1", "merge"))
                .node("MatMul", "o0", List.of("c2", "wo")).node("Add", "y", List.of("o0", "bo"))
                .output("y", "n", "s", W)
                .model(11);
    }

    static ai.onnx.proto.OnnxMl.NodeProto constant(String name, long value) {
        return ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("value").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.TENSOR)
                        .setT(Tensors.longs(name, new long[] {}, new long[] {value}))).build();
    }

    @Test
    void headCountsInUnsqueezedConstantsAreRewritten() throws Exception {
        float[] wo = gaussian(W * W, 5);
        for (int d = 0; d < D; d++) for (int o = 0; o < W; o++) wo[(2 * D + d) * W + o] = 0f;
        OnnxModel m = unsqueezedConstantShapes(wo);
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        assertEquals(1, r.groups().size(), r.unprunable().toString());
        assertEquals(H, r.groups().get(0).size());
        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, r.groups().get(0), new int[] {0, 1, 3});
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(2, 6), 4);
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(OnnxModel.of(g.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            float[] want = a.run(in).get("y").floats(), got = b.run(in).get("y").floats();
            assertTrue(maxAbsDiff(want, got) < 1e-5, "the silent head 2 removed: " + maxAbsDiff(want, got));
        }
    }

    @Test
    void aHeadCountLeftToInferenceNeedsNoRewrite() throws Exception {
        OnnxModel m = attention(gaussian(W * W, 4), new long[] {0, 0, -1, D}, new long[] {0, 0, -1});
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        assertEquals(1, r.groups().size(), r.unprunable().toString());
        assertEquals(H, r.groups().get(0).size());
        assertTrue(r.groups().get(0).shapePatches().isEmpty(), "-1 lets ONNX Runtime infer the head count");
        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, r.groups().get(0), new int[] {1, 2, 3});
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 7), 2);
        try (OrtRunner b = OrtRunner.of(OnnxModel.of(g.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            assertArrayEquals(new long[] {1, 7, W}, b.run(in).get("y").shape());
        }
    }

    @Test
    void sensitivityRankingFindsTheHeadsThatDoNothing() throws Exception {
        float[] wo = gaussian(W * W, 3);
        for (int h : new int[] {1, 3}) for (int d = 0; d < D; d++) for (int o = 0; o < W; o++) wo[(h * D + d) * W + o] = 0f;
        OnnxModel m = attention(wo);
        List<Map<String, TensorData>> calibration = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) calibration.add(SyntheticInputs.generate(m, InputShapes.of(1, 6), 50 + i));
        var builder = dev.lathe.transform.CandidateBuilder.create(m, new dev.lathe.transform.pruning.PruningOptions("sensitivity", "none"), calibration);
        String id = builder.groups().get(0).id();
        var genome = dev.lathe.transform.genome.Genome.of(Map.of(id, 0.5), java.util.Set.of());
        assertArrayEquals(new int[] {0, 2}, builder.plan(genome).keptUnits().get(id), "the silent heads 1 and 3 go first");
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(1, 6), 99);
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(builder.build(genome), OrtRunner.RunnerSettings.cpu(1))) {
            assertTrue(maxAbsDiff(a.run(in).get("y").floats(), b.run(in).get("y").floats()) < 1e-5);
        }
    }

    @Test
    void headsBehindASharedConstantSplitArePrunedExactlyWhenTheyContributeNothing() throws Exception {
        float[] wo = gaussian(W * W, 3);
        int[] silent = {1, 3};
        for (int h : silent) for (int d = 0; d < D; d++) for (int o = 0; o < W; o++) wo[(h * D + d) * W + o] = 0f;
        OnnxModel m = attention(wo);
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        assertEquals(1, r.groups().size(), r.unprunable().toString());
        PrunableGroup heads = r.groups().get(0);
        assertEquals(GroupKind.ATTENTION_HEADS, heads.kind());
        assertEquals(H, heads.size());
        assertEquals(D, heads.blockWidth());
        assertEquals(4, heads.shapePatches().size(), "query, key and value splits and the merge");

        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, heads, new int[] {0, 2});
        OnnxModel pruned = OnnxModel.of(g.toModel());
        assertArrayEquals(new long[] {0, 0, H, D}, Tensors.toLongs(g.initializer("split")), "the shared constant itself is never rewritten");
        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(2, 5), 8);
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(pruned, OrtRunner.RunnerSettings.cpu(1))) {
            float[] want = a.run(in).get("y").floats(), got = b.run(in).get("y").floats();
            assertEquals(want.length, got.length);
            assertTrue(maxAbsDiff(want, got) < 1e-5, "silent heads removed: " + maxAbsDiff(want, got));
        }
    }
}
