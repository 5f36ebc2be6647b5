package dev.lathe.analysis;

import dev.lathe.TinyGraphs;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.SliceIndexing;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A BERT-style post-norm encoder: word and position embeddings summed and normalized, one layer of 4-head attention
 * and a feed-forward block, each added to the stream and normalized by a written-out LayerNorm, and a classifier.
 */
class EncoderHiddenWidthTest {
    static final int W = 16, H = 4, D = 4;

    static OnnxModel encoder() {
        TinyGraphs t = new TinyGraphs(41).weight("word", 50, W).weight("pos", 8, W)
                .weight("wq", W, W).weight("bq", W).weight("wk", W, W).weight("bk", W).weight("wv", W, W).weight("bv", W)
                .weight("wo", W, W).weight("bo", W).weight("w1", W, 32).weight("b1", 32).weight("w2", 32, W).weight("b2", W)
                .weight("wc", W, 3).weight("bc", 3).longs("split", 0, 0, H, D).longs("merge", 0, 0, H * D)
                .tensor("scale", new long[0], new float[] {2f}).tensor("two", new long[0], new float[] {2f}).tensor("eps", new long[0], new float[] {1e-12f});
        for (String ln : List.of("ln0", "ln1", "ln2")) t.weight(ln + ".g", W).weight(ln + ".b", W);
        t.raw(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Gather").setName("we").addInput("word").addInput("ids").addOutput("we").build())
                .raw(ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType("Gather").setName("pe").addInput("pos").addInput("positions").addOutput("pe").build())
                .node("Add", "e", List.of("we", "pe"));
        layerNorm(t, "e", "ln0", "s0");
        for (String side : List.of("q", "k", "v"))
            t.node("MatMul", side + "0", List.of("s0", "w" + side)).node("Add", side + "1", List.of(side + "0", "b" + side))
                    .node("Reshape", side + "2", List.of(side + "1", "split"))
                    .node("Transpose", side + "3", List.of(side + "2"), side.equals("k") ? ints("perm", 0, 2, 3, 1) : ints("perm", 0, 2, 1, 3));
        t.node("MatMul", "sc", List.of("q3", "k3")).node("Div", "sc1", List.of("sc", "scale"))
                .node("Softmax", "p", List.of("sc1"), TinyGraphs.integer("axis", -1))
                .node("MatMul", "c", List.of("p", "v3")).node("Transpose", "c1", List.of("c"), ints("perm", 0, 2, 1, 3))
                .node("Reshape", "c2", List.of("c1", "merge")).node("MatMul", "o0", List.of("c2", "wo")).node("Add", "o1", List.of("o0", "bo"))
                .node("Add", "r1", List.of("s0", "o1"));
        layerNorm(t, "r1", "ln1", "s1");
        t.node("MatMul", "f0", List.of("s1", "w1")).node("Add", "f1", List.of("f0", "b1")).node("Relu", "f2", List.of("f1"))
                .node("MatMul", "f3", List.of("f2", "w2")).node("Add", "f4", List.of("f3", "b2")).node("Add", "r2", List.of("s1", "f4"));
        layerNorm(t, "r2", "ln2", "s2");
        t.node("MatMul", "l0", List.of("s2", "wc")).node("Add", "logits", List.of("l0", "bc"));
        var m = t.output("logits", "n", "s", 3).model(17).proto().toBuilder();
        var g = m.getGraphBuilder();
        for (String in : List.of("ids", "positions"))
            g.addInput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(in).setType(ai.onnx.proto.OnnxMl.TypeProto.newBuilder()
                    .setTensorType(ai.onnx.proto.OnnxMl.TypeProto.Tensor.newBuilder().setElemType(ai.onnx.proto.OnnxMl.TensorProto.DataType.INT64_VALUE)
                            .setShape(ai.onnx.proto.OnnxMl.TensorShapeProto.newBuilder()
                                    .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("n"))
                                    .addDim(ai.onnx.proto.OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("s"))))));
        return OnnxModel.of(m.build());
    }

    private static void layerNorm(TinyGraphs t, String x, String ln, String out) {
        t.node("ReduceMean", x + ".mean", List.of(x), ints("axes", -1)).node("Sub", x + ".d", List.of(x, x + ".mean"))
                .node("Pow", x + ".sq", List.of(x + ".d", "two")).node("ReduceMean", x + ".var", List.of(x + ".sq"), ints("axes", -1))
                .node("Add", x + ".vareps", List.of(x + ".var", "eps")).node("Sqrt", x + ".std", List.of(x + ".vareps"))
                .node("Div", x + ".norm", List.of(x + ".d", x + ".std")).node("Mul", x + ".scaled", List.of(x + ".norm", ln + ".g"))
                .node("Add", out, List.of(x + ".scaled", ln + ".b"));
    }

    @Test
    void theStreamIsOneGroupThroughEveryLayerNormAndSilentChannelsGoExactly() throws Exception {
        OnnxModel m = encoder();
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        PrunableGroup width = r.groups().stream().filter(g -> g.kind() == GroupKind.HIDDEN_WIDTH).findFirst()
                .orElseThrow(() -> new AssertionError(r.unprunable().toString()));
        assertEquals(W, width.size());
        assertEquals(3, width.normPatches().size());
        assertEquals(List.of("word", "pos", "ln0.g", "ln0.b", "wq", "wk", "wv", "wo", "bo", "ln1.g", "ln1.b", "w1", "w2", "b2", "ln2.g", "ln2.b", "wc"),
                width.slices().stream().map(PrunableGroup.TensorSlice::initializer).toList());

        // Channels 2 and 9 are zero wherever the stream is written: embeddings, norm scales and shifts, writers' columns.
        int[] silent = {2, 9};
        MutableGraph g = MutableGraph.of(m);
        for (PrunableGroup.TensorSlice s : width.slices()) {
            boolean reader = List.of("wq", "wk", "wv", "w1", "wc").contains(s.initializer());
            if (reader) continue;
            var t = g.initializer(s.initializer());
            float[] v = Tensors.toFloats(t);
            SliceIndexing ix = new SliceIndexing(Tensors.dims(t), s.axis());
            for (int i = 0; i < v.length; i++) for (int c : silent) if (ix.axisIndex(i) == c) v[i] = 0;
            g.putInitializer(Tensors.floats(t.getName(), Tensors.dims(t), v));
        }
        OnnxModel silenced = OnnxModel.of(g.toModel());
        MutableGraph all = MutableGraph.of(silenced);
        StructuredPruner.prune(all, width, IntStream.range(0, W).toArray());
        MutableGraph narrow = MutableGraph.of(silenced);
        StructuredPruner.prune(narrow, width, IntStream.range(0, W).filter(c -> Arrays.stream(silent).noneMatch(s -> s == c)).toArray());
        Map<String, TensorData> in = Map.of("ids", TensorData.ofLongs(new long[] {2, 5}, new long[] {1, 7, 3, 49, 0, 12, 5, 5, 8, 30}),
                "positions", TensorData.ofLongs(new long[] {2, 5}, new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
        try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(OnnxModel.of(narrow.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            float[] expected = a.run(in).get("logits").floats();
            assertArrayEquals(expected, keepAll.run(in).get("logits").floats(), "keep 1.0 is exact");
            assertTrue(maxAbsDiff(expected, b.run(in).get("logits").floats()) < 1e-4, "silent channels removed exactly, every LayerNorm compensated");
        }
    }
}
