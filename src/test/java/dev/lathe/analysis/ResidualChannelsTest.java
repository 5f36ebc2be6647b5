package dev.lathe.analysis;

import dev.lathe.TinyGraphs;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A residual block with squeeze-and-excitation, as in ResNet/SENet exports: the stem and the block's last
 * convolution write into one channel space (residual Add), and so does the excitation's expanding convolution.
 */
class ResidualChannelsTest {
    static OnnxModel block() {
        return new TinyGraphs(21)
                .weight("stem.w", 8, 3, 3, 3).weight("stem.b", 8)
                .weight("c1.w", 6, 8, 3, 3).weight("c1.b", 6)
                .weight("c2.w", 8, 6, 3, 3).weight("c2.b", 8)
                .weight("se1.w", 2, 8, 1, 1).weight("se1.b", 2)
                .weight("se2.w", 8, 2, 1, 1).weight("se2.b", 8)
                .weight("fc.w", 4, 8).weight("fc.b", 4)
                .input("x", "n", 3, 8, 8)
                .node("Conv", "a0", List.of("x", "stem.w", "stem.b"), ints("pads", 1, 1, 1, 1))
                .node("Relu", "a", List.of("a0"))
                .node("Conv", "h1", List.of("a", "c1.w", "c1.b"), ints("pads", 1, 1, 1, 1))
                .node("Relu", "h2", List.of("h1"))
                .node("Conv", "h3", List.of("h2", "c2.w", "c2.b"), ints("pads", 1, 1, 1, 1))
                .node("GlobalAveragePool", "s0", List.of("h3"))
                .node("Conv", "s1", List.of("s0", "se1.w", "se1.b"))
                .node("Relu", "s2", List.of("s1"))
                .node("Conv", "s3", List.of("s2", "se2.w", "se2.b"))
                .node("Sigmoid", "s4", List.of("s3"))
                .node("Mul", "h4", List.of("h3", "s4"))
                .node("Add", "r", List.of("h4", "a"))
                .node("Relu", "r1", List.of("r"))
                .node("GlobalAveragePool", "p", List.of("r1"))
                .node("Flatten", "f", List.of("p"))
                .node("Gemm", "y", List.of("f", "fc.w", "fc.b"), TinyGraphs.integer("transB", 1))
                .output("y", "n", 4)
                .model(17);
    }

    @Test
    void residualAndExcitationTieTheirConvolutionsIntoOneGroup() {
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(block()));
        Map<String, PrunableGroup> byId = new HashMap<>();
        r.groups().forEach(g -> byId.put(g.id(), g));
        assertEquals(Set.of("conv:a0", "conv:h1", "conv:s1"), byId.keySet(), r.groups() + "\n" + r.unprunable());
        PrunableGroup stream = byId.get("conv:a0");
        assertEquals(8, stream.size());
        List<String> sliced = stream.slices().stream().map(s -> s.initializer() + "@" + s.axis()).sorted().toList();
        assertEquals(List.of("c1.w@1", "c2.b@0", "c2.w@0", "fc.w@1", "se1.w@1", "se2.b@0", "se2.w@0", "stem.b@0", "stem.w@0"), sliced);
        assertNull(stream.consumer(), "several layers read the residual stream");
        assertEquals(List.of("c2.w@1"), byId.get("conv:h1").slices().stream().filter(s -> s.axis() == 1).map(s -> s.initializer() + "@1").toList());
    }

    @Test
    void droppingTheResidualBranchLeavesTheSkipPathExactly() throws Exception {
        OnnxModel m = block();
        CandidateBuilder b = new CandidateBuilder(m);
        assertEquals(1, b.analysis().blocks().size(), b.analysis().blocks().toString());
        var branch = b.analysis().blocks().get(0);
        assertEquals("a", branch.input());
        assertEquals("r", branch.output());
        OnnxModel cut = b.build(Genome.ORIGINAL.withDroppedBlocks(Set.of(branch.id())));
        assertEquals(0, cut.proto().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).filter(n -> !n.getName().equals("a0")).count(),
                "the branch's convolutions are gone");
        // Reference: the same graph with the sum replaced by its skip input.
        MutableGraph ref = MutableGraph.of(m);
        for (int i = 0; i < ref.nodeCount(); i++)
            if (ref.node(i).getOutput(0).equals("r"))
                ref.replaceNode(i, ref.node(i).toBuilder().setOpType("Identity").clearInput().addInput("a").build());
        var in = DepthwiseChannelsTest.data(m, 3, 11).samples();
        try (OrtRunner want = OrtRunner.of(OnnxModel.of(ref.toModel()), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner got = OrtRunner.of(cut, OrtRunner.RunnerSettings.cpu(1))) {
            for (var s : in) assertArrayEquals(want.run(s).get("y").floats(), got.run(s).get("y").floats());
        }
    }

    @Test
    void prunedResidualBlockRunsWithTheSameSignatureAndKeepAllIsExact() throws Exception {
        OnnxModel m = block();
        CandidateBuilder b = new CandidateBuilder(m);
        var data = DepthwiseChannelsTest.data(m, 10, 7);
        QualityEvaluator q = new QualityEvaluator(m, data, OrtRunner.RunnerSettings.cpu(1));
        Map<String, Double> all = new HashMap<>(), half = new HashMap<>();
        b.groups().forEach(g -> { all.put(g.id(), 1.0); half.put(g.id(), 0.5); });
        assertEquals(1.0, q.evaluate(b.build(Genome.of(all, Set.of()))).fidelity(), 1e-6);
        OnnxModel small = b.build(Genome.of(half, Set.of()));
        assertEquals(m.proto().getGraph().getOutputList(), small.proto().getGraph().getOutputList());
        assertTrue(small.toBytes().length < m.toBytes().length * 0.45);
        double f = q.evaluate(small).fidelity();
        assertTrue(f > -1 && f < 1, "runs and changes the output: " + f);
    }
}
