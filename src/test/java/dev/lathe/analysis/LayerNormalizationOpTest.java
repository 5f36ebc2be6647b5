package dev.lathe.analysis;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.InputShapes;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.SliceIndexing;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The {@code LayerNormalization} operator (opset 17, as torch exports nn.LayerNorm from opset 17 on) in width groups:
 * the MLP of {@link LayerNormMlpTest} and the post-norm encoder of {@link EncoderHiddenWidthTest} with each written-out
 * LayerNorm replaced by the operator, checked against ONNX Runtime the same way.
 */
class LayerNormalizationOpTest {
    /** Every written-out LayerNorm (nodes x.mean .. x.scaled and the Add after it) becomes one LayerNormalization node. */
    static OnnxModel fused(OnnxModel written, float epsilon, int opset) {
        ModelProto m = written.proto();
        List<NodeProto> nodes = new ArrayList<>(m.getGraph().getNodeList());
        List<NodeProto> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (n.getOpType().equals("ReduceMean") && n.getName().endsWith(".mean")) {
                String x = n.getInput(0);
                NodeProto scaled = nodes.stream().filter(k -> k.getName().equals(x + ".scaled")).findFirst().orElseThrow();
                NodeProto shift = nodes.stream().filter(k -> k.getOpType().equals("Add") && k.getInput(0).equals(x + ".scaled")).findFirst().orElseThrow();
                out.add(NodeProto.newBuilder().setOpType("LayerNormalization").setName(x + ".ln").addInput(x).addInput(scaled.getInput(1))
                        .addInput(shift.getInput(1)).addOutput(shift.getOutput(0))
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(-1))
                        .addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT).setF(epsilon)).build());
                continue;
            }
            if (n.getName().startsWith(n.getInput(0).replaceAll("\\..*", "") + ".") && List.of(".d", ".sq", ".var", ".vareps", ".std", ".norm", ".scaled")
                    .stream().anyMatch(sfx -> n.getName().endsWith(sfx))) continue;
            boolean shiftAdd = n.getOpType().equals("Add") && n.getInput(0).endsWith(".scaled");
            if (!shiftAdd) out.add(n);
        }
        ModelProto.Builder b = m.toBuilder();
        b.getGraphBuilder().clearNode().addAllNode(out);
        b.setOpsetImport(0, b.getOpsetImport(0).toBuilder().setVersion(opset));
        return OnnxModel.of(b.build());
    }

    static long count(OnnxModel m, String op) {
        return m.proto().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }

    @Test
    void mlpUnitsPassTheOperatorWithItsScaleAndBiasAndAreRemovedExactly() throws Exception {
        int[] silent = {1, 5, 6, 20, 31};
        OnnxModel written = LayerNormMlpTest.mlp(silent);
        OnnxModel m = fused(written, 1e-5f, 17);
        assertEquals(2, count(m, "LayerNormalization"));
        assertEquals(0, count(m, "ReduceMean"));
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
        assertEquals(List.of("mlp:h1", "mlp:h2"), r.groups().stream().map(PrunableGroup::id).toList(), r.unprunable().toString());
        PrunableGroup first = r.group("mlp:h1").orElseThrow();
        assertEquals(List.of("w1", "b1", "g1", "s1", "w2"), first.slices().stream().map(PrunableGroup.TensorSlice::initializer).toList());
        assertEquals(List.of(PrunableGroup.NormPatch.layerNormalization("h1.ln")), first.normPatches());

        Map<String, TensorData> in = SyntheticInputs.generate(m, InputShapes.of(4, 1), 2);
        MutableGraph all = MutableGraph.of(m);
        for (PrunableGroup g : r.groups()) StructuredPruner.prune(all, g, IntStream.range(0, g.size()).toArray());
        OnnxModel keptAll = OnnxModel.of(all.toModel());
        assertEquals(2, count(keptAll, "LayerNormalization"), "keeping every unit leaves the operator alone");
        int[] kept = IntStream.range(0, 32).filter(u -> Arrays.stream(silent).noneMatch(s -> s == u)).toArray();
        MutableGraph pruned = MutableGraph.of(m);
        StructuredPruner.prune(pruned, first, kept);
        OnnxModel narrow = OnnxModel.of(pruned.toModel());
        assertEquals(1, count(narrow, "LayerNormalization"), "the pruned layer's norm is written out, the other kept");
        MutableGraph uncompensated = MutableGraph.of(m);
        StructuredPruner.prune(uncompensated, new PrunableGroup(first.id(), first.kind(), first.name(), first.size(), 1, first.slices(), List.of(), first.consumer()), kept);
        try (OrtRunner a = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner w = OrtRunner.of(written, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner keepAll = OrtRunner.of(keptAll, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner b = OrtRunner.of(narrow, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner c = OrtRunner.of(OnnxModel.of(uncompensated.toModel()), OrtRunner.RunnerSettings.cpu(1))) {
            float[] expected = a.run(in).get("y").floats();
            assertTrue(maxAbsDiff(expected, w.run(in).get("y").floats()) < 1e-5, "the operator computes the written-out norm");
            assertArrayEquals(expected, keepAll.run(in).get("y").floats(), "keep 1.0 is exact");
            assertTrue(maxAbsDiff(expected, b.run(in).get("y").floats()) < 1e-5, "silent units removed exactly: the statistics are the full width's");
            assertTrue(maxAbsDiff(expected, c.run(in).get("y").floats()) > 1e-3, "without the compensation the statistics change");
        }
    }

    @Test
    void anEncodersHiddenWidthRunsThroughTheOperatorAtOpset17And18() throws Exception {
        for (int opset : new int[] {17, 18}) {
            OnnxModel m = fused(EncoderHiddenWidthTest.encoder(), 1e-12f, opset);
            assertEquals(3, count(m, "LayerNormalization"));
            GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(m));
            PrunableGroup width = r.groups().stream().filter(g -> g.kind() == GroupKind.HIDDEN_WIDTH).findFirst()
                    .orElseThrow(() -> new AssertionError(r.unprunable().toString()));
            assertEquals(EncoderHiddenWidthTest.W, width.size());
            assertEquals(3, width.normPatches().size());
            assertEquals(List.of("word", "pos", "ln0.g", "ln0.b", "wq", "wk", "wv", "wo", "bo", "ln1.g", "ln1.b", "w1", "w2", "b2", "ln2.g", "ln2.b", "wc"),
                    width.slices().stream().map(PrunableGroup.TensorSlice::initializer).toList());

            int[] silent = {2, 9};
            MutableGraph g = MutableGraph.of(m);
            for (PrunableGroup.TensorSlice s : width.slices()) {
                if (List.of("wq", "wk", "wv", "w1", "wc").contains(s.initializer())) continue;
                var t = g.initializer(s.initializer());
                float[] v = Tensors.toFloats(t);
                SliceIndexing ix = new SliceIndexing(Tensors.dims(t), s.axis());
                for (int i = 0; i < v.length; i++) for (int c : silent) if (ix.axisIndex(i) == c) v[i] = 0;
                g.putInitializer(Tensors.floats(t.getName(), Tensors.dims(t), v));
            }
            OnnxModel silenced = OnnxModel.of(g.toModel());
            MutableGraph all = MutableGraph.of(silenced);
            StructuredPruner.prune(all, width, IntStream.range(0, EncoderHiddenWidthTest.W).toArray());
            MutableGraph narrow = MutableGraph.of(silenced);
            StructuredPruner.prune(narrow, width, IntStream.range(0, EncoderHiddenWidthTest.W).filter(c -> Arrays.stream(silent).noneMatch(s -> s == c)).toArray());
            OnnxModel narrowModel = OnnxModel.of(narrow.toModel());
            assertEquals(0, count(narrowModel, "LayerNormalization"));
            assertEquals(6, count(narrowModel, "ReduceMean"));
            Map<String, TensorData> in = Map.of("ids", TensorData.ofLongs(new long[] {2, 5}, new long[] {1, 7, 3, 49, 0, 12, 5, 5, 8, 30}),
                    "positions", TensorData.ofLongs(new long[] {2, 5}, new long[] {0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
            try (OrtRunner a = OrtRunner.of(silenced, OrtRunner.RunnerSettings.cpu(1));
                 OrtRunner keepAll = OrtRunner.of(OnnxModel.of(all.toModel()), OrtRunner.RunnerSettings.cpu(1));
                 OrtRunner b = OrtRunner.of(narrowModel, OrtRunner.RunnerSettings.cpu(1))) {
                float[] expected = a.run(in).get("logits").floats();
                assertArrayEquals(expected, keepAll.run(in).get("logits").floats(), "opset " + opset + ": keep 1.0 is exact");
                double diff = maxAbsDiff(expected, b.run(in).get("logits").floats());
                assertTrue(diff < 1e-4, "opset " + opset + ": silent channels removed exactly, every norm compensated: " + diff);
            }
        }
    }
}
