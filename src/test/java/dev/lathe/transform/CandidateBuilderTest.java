package dev.lathe.transform;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class CandidateBuilderTest {
    static OnnxModel minilm;
    static CandidateBuilder builder;
    static Map<String, TensorData> inputs;
    static float[] reference;

    @BeforeAll
    static void load() throws Exception {
        minilm = OnnxModel.load(TestModels.minilm());
        builder = new CandidateBuilder(minilm);
        inputs = SyntheticInputs.generate(minilm, InputShapes.of(1, 32), 7);
        reference = run(minilm);
    }

    static float[] run(OnnxModel m) throws Exception {
        try (OrtRunner r = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            return r.run(inputs).get("output_0").floats();
        }
    }

    @Test
    void findsSixFeedForwardAndSixAttentionGroupsInMiniLm() {
        var ffn = builder.groups().stream().filter(g -> g.kind() == GroupKind.FFN_UNITS).toList();
        var heads = builder.groups().stream().filter(g -> g.kind() == GroupKind.ATTENTION_HEADS).toList();
        assertEquals(6, ffn.size(), () -> builder.groups().toString());
        assertEquals(6, heads.size());
        ffn.forEach(g -> assertEquals(1536, g.size()));
        heads.forEach(g -> { assertEquals(12, g.size()); assertEquals(32, g.blockWidth()); });
        var blocks = builder.analysis().blocks();
        assertEquals(6, blocks.stream().filter(b -> b.id().startsWith("block:")).count(), "six transformer layers");
        assertEquals(12, blocks.stream().filter(b -> b.id().startsWith("residual:")).count(), "an attention and a feed-forward branch in each");
        assertEquals(37, builder.analysis().quantizable().size());
        for (PrunableGroup g : heads) {
            var roles = g.attention();
            assertEquals(4, Set.of(roles.query().node(), roles.key().node(), roles.value().node(), roles.output()).size(), "four distinct layers");
            assertTrue(roles.value().node().contains("/value/"), roles.value().node());
            assertEquals(g.consumer().weight(), g.slices().get(g.slices().size() - 1).initializer(), "the output projection reads the merged heads");
        }
    }

    /**
     * Every group of MiniLM pruned to all of its units, through the real slicing and patching code: every coupled
     * weight is rebuilt and every shape constant rewritten, and the outputs stay identical to the bit. (A keep ratio
     * of 1 in a genome skips the group, so it alone would not exercise the pruner.)
     */
    @Test
    void keepingEveryUnitThroughThePrunerReproducesOutputsExactly() throws Exception {
        MutableGraph g = MutableGraph.of(minilm);
        Map<String, TensorProto> before = new HashMap<>(g.initializers());
        Map<PrunableGroup.ShapePatch, String> patchedInputs = new HashMap<>();
        for (PrunableGroup group : builder.groups())
            for (PrunableGroup.ShapePatch p : group.shapePatches())
                patchedInputs.put(p, g.node(NodeNames.require(g, p.node())).getInput(p.inputIndex()));
        for (PrunableGroup group : builder.groups())
            StructuredPruner.prune(g, group, IntStream.range(0, group.size()).toArray());
        int rebuilt = 0;
        for (PrunableGroup group : builder.groups())
            for (PrunableGroup.TensorSlice s : group.slices()) {
                assertNotSame(before.get(s.initializer()), g.initializer(s.initializer()), s.initializer() + " went through the slicing");
                assertArrayEquals(Tensors.dims(before.get(s.initializer())), Tensors.dims(g.initializer(s.initializer())));
                rebuilt++;
            }
        assertEquals(6 * 3 + 6 * 7, rebuilt, "per layer: both FFN weights and the bias; query, key, value weights and biases, output weight");
        assertFalse(patchedInputs.isEmpty(), "the head splits and merges spell the head count");
        patchedInputs.forEach((p, input) -> assertNotEquals(input, g.node(NodeNames.require(g, p.node())).getInput(p.inputIndex()),
                "shape constant of " + p.node() + " rewritten"));
        assertArrayEquals(reference, run(OnnxModel.of(g.toModel())));

        Map<String, Double> all = builder.groups().stream().collect(Collectors.toMap(PrunableGroup::id, x -> 1.0));
        assertArrayEquals(reference, run(builder.build(Genome.of(all, Set.of()))), "a genome keeping everything is the original");
    }

    @Tag("minilm")
    @Test
    void prunedAndQuantizedMiniLmRunsSmallerWithSameSignature() throws Exception {
        Map<String, Double> ratios = new HashMap<>();
        for (PrunableGroup g : builder.groups()) ratios.put(g.id(), g.kind() == GroupKind.FFN_UNITS ? 0.5 : 0.75);
        Set<String> int8 = new TreeSet<>();
        builder.analysis().quantizable().forEach(q -> int8.add(q.id()));
        OnnxModel pruned = builder.build(Genome.of(ratios, Set.of()));
        OnnxModel both = builder.build(Genome.of(ratios, int8));
        float[] p = run(pruned), b = run(both);
        assertEquals(reference.length, p.length);
        // Half of 6 x 1536 FFN units (769 floats each) and 3 of 12 heads (32 x 1539 floats each) in 6 layers.
        long expectedSaving = 6L * 768 * 769 * 4 + 6L * 3 * 32 * 1539 * 4;
        assertTrue(minilm.toBytes().length - pruned.toBytes().length >= expectedSaving * 0.99, "pruned file should shrink");
        long floatWeightBytes = 0;
        var prunedInits = new dev.lathe.model.MutableGraph(pruned.proto());
        for (var q : builder.analysis().quantizable()) floatWeightBytes += prunedInits.initializer(q.weight()).getRawData().size();
        // int8 keeps a quarter of each quantized weight's bytes (plus a scale per column).
        assertTrue(pruned.toBytes().length - both.toBytes().length > floatWeightBytes * 0.74, "int8 weights should shrink it further");
        var ops = both.proto().getGraph().getNodeList().stream().collect(java.util.stream.Collectors.groupingBy(n -> n.getOpType(), java.util.stream.Collectors.counting()));
        assertEquals(37L, ops.get("MatMulIntegerToFloat"), "every int8-able layer");
        // Query, key and value read one tensor: per layer 4 quantized inputs, plus the pooler's.
        assertEquals(6L * 4 + 1, ops.get("DynamicQuantizeLinear"), "each activation is quantized once");
        assertEquals(minilm.proto().getGraph().getInputList(), both.proto().getGraph().getInputList());
        assertEquals(minilm.proto().getGraph().getOutputList(), both.proto().getGraph().getOutputList());
        double cosPruned = TensorData.cosine(reference, p);
        double cosBoth = TensorData.cosine(p, b);
        System.out.printf("cos(pruned)=%.4f cos(int8 vs pruned)=%.4f%n", cosPruned, cosBoth);
        assertTrue(cosPruned > 0.3 && cosPruned < 0.9999, "pruning should change but not destroy outputs: " + cosPruned);
        assertTrue(cosBoth > 0.98, "int8 should stay close to its fp32 counterpart: " + cosBoth);
    }

    @Test
    void keptUnitsRoundToTheChosenMultiple() throws Exception {
        PrunableGroup ffn = builder.groups().stream().filter(g -> g.kind() == GroupKind.FFN_UNITS).findFirst().orElseThrow();
        assertEquals(1536, ffn.size());
        assertEquals(464, StructuredPruner.keptUnits(ffn, 0.3), "1536 x 0.3 = 460.8 rounds to a multiple of 8");
        assertEquals(461, StructuredPruner.keptUnits(ffn, 0.3, 1), "multiple 1 keeps the exact share");
        assertEquals(448, StructuredPruner.keptUnits(ffn, 0.3, 64));
        CandidateBuilder exact = builder.withOptions(new PruningOptions("magnitude", "none", 1));
        Genome g = Genome.of(Map.of(ffn.id(), 0.3), Set.of());
        assertEquals(461, exact.plan(g).keptUnits().get(ffn.id()).length);
        assertEquals(464, builder.plan(g).keptUnits().get(ffn.id()).length);
    }
}
