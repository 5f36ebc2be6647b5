package dev.lathe.analysis;

import dev.lathe.TinyGraphs;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.lathe.TinyGraphs.integer;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/** MobileNet-style block: 1x1 Conv, BatchNormalization, ReLU, depthwise 3x3 Conv, ReLU, 1x1 Conv. */
class DepthwiseChannelsTest {
    static OnnxModel block() {
        return new TinyGraphs(9)
                .weight("c1.w", 8, 3, 1, 1).weight("c1.b", 8)
                .weight("bn.scale", 8).weight("bn.bias", 8).weight("bn.mean", 8).positive("bn.var", 8)
                .weight("dw.w", 8, 1, 3, 3).weight("dw.b", 8)
                .weight("c2.w", 4, 8, 1, 1).weight("c2.b", 4)
                .input("x", "n", 3, 6, 6)
                .node("Conv", "h1", List.of("x", "c1.w", "c1.b"))
                .node("BatchNormalization", "h2", List.of("h1", "bn.scale", "bn.bias", "bn.mean", "bn.var"))
                .node("Relu", "h3", List.of("h2"))
                .node("Conv", "h4", List.of("h3", "dw.w", "dw.b"), integer("group", 8), ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3))
                .node("Relu", "h5", List.of("h4"))
                .node("Conv", "y", List.of("h5", "c2.w", "c2.b"))
                .output("y", "n", 4, 6, 6)
                .model(17);
    }

    static Dataset data(OnnxModel m, int n, long seed) {
        List<Map<String, TensorData>> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) samples.add(SyntheticInputs.generate(m, InputShapes.of(1, 1), seed + i));
        return new Dataset("random images", samples, null, false, "test:" + seed);
    }

    @Test
    void depthwiseFiltersTravelWithTheChannelsThatFeedThem() {
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(block()));
        assertEquals(1, r.groups().size(), r.groups() + " " + r.unprunable());
        PrunableGroup g = r.groups().get(0);
        assertEquals(GroupKind.CONV_CHANNELS, g.kind());
        assertEquals(8, g.size());
        List<String> sliced = g.slices().stream().map(s -> s.initializer() + "@" + s.axis()).toList();
        assertEquals(List.of("c1.w@0", "c1.b@0", "bn.scale@0", "bn.bias@0", "bn.mean@0", "bn.var@0", "dw.w@0", "dw.b@0", "c2.w@1"), sliced);
        assertEquals(1, g.attributePatches().size());
        assertEquals("c2.w", g.consumer().weight());
        assertTrue(r.unprunable().stream().anyMatch(u -> u.node().equals("y") && u.reason().contains("model output")), r.unprunable().toString());
    }

    @Test
    void prunedBlockRunsAndRepairBringsItBackTowardsTheOriginal() throws Exception {
        OnnxModel m = block();
        CandidateBuilder plain = new CandidateBuilder(m);
        CandidateBuilder repaired = CandidateBuilder.create(m, PruningOptions.CALIBRATED, data(m, 40, 100).samples());
        String id = plain.groups().get(0).id();
        QualityEvaluator q = new QualityEvaluator(m, data(m, 20, 500), OrtRunner.RunnerSettings.cpu(1));
        assertEquals(1.0, q.evaluate(plain.build(Genome.of(Map.of(id, 1.0), Set.of()))).fidelity(), 1e-6);
        OnnxModel half = plain.build(Genome.of(Map.of(id, 0.5), Set.of()));
        var dw = half.proto().getGraph().getNodeList().stream().filter(n -> n.getName().equals("h4")).findFirst().orElseThrow();
        assertEquals(4, MutableGraph.intAttribute(dw, "group", 0), "the depthwise group count follows the channels");
        double magnitude = q.evaluate(half).fidelity();
        double refit = q.evaluate(repaired.build(Genome.of(Map.of(id, 0.5), Set.of()))).fidelity();
        assertTrue(refit > magnitude, "refit " + refit + " vs magnitude " + magnitude);
    }
}
