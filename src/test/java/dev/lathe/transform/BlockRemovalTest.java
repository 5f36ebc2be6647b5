package dev.lathe.transform;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.TestModels;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class BlockRemovalTest {
    @Tag("minilm")
    @Test
    void droppingMiniLmsLastLayerLeavesExactlyTheHiddenStateBeforeIt() throws Exception {
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        CandidateBuilder b = new CandidateBuilder(minilm);
        List<RemovableBlock> blocks = b.analysis().blocks().stream().filter(k -> k.id().startsWith("block:")).toList();
        assertEquals(6, blocks.size(), blocks.toString());
        assertEquals(12, b.analysis().blocks().stream().filter(k -> k.id().startsWith("residual:")).count(),
                "each layer's attention and feed-forward sublayers are residual branches too");
        for (int i = 0; i + 1 < blocks.size(); i++) assertEquals(blocks.get(i).output(), blocks.get(i + 1).input(), "layers chain");
        assertEquals("output_0", blocks.get(5).output(), "the last layer ends at the model's hidden-state output");

        RemovableBlock last = blocks.get(5);
        OnnxModel shorter = b.build(Genome.ORIGINAL.withDroppedBlocks(Set.of(last.id())));
        assertTrue(shorter.proto().getGraph().getNodeCount() < minilm.proto().getGraph().getNodeCount() - 80, "the layer's nodes are gone");
        assertTrue(shorter.toBytes().length < minilm.toBytes().length - 7_000_000, "and its 1.8 M weights");

        // Reference: the original with the last layer's input exposed as an extra output.
        var probe = minilm.proto().toBuilder();
        probe.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(last.input()));
        Map<String, TensorData> in = SyntheticInputs.generate(minilm, InputShapes.of(1, 24), 5);
        try (OrtRunner ref = new OrtRunner(probe.build().toByteArray(), OrtRunner.RunnerSettings.cpu(1));
             OrtRunner cut = OrtRunner.of(shorter, OrtRunner.RunnerSettings.cpu(1))) {
            assertArrayEquals(ref.run(in).get(last.input()).floats(), cut.run(in).get("output_0").floats());
        }
        assertEquals(minilm.proto().getGraph().getOutputList(), shorter.proto().getGraph().getOutputList());
    }

    @Test
    void droppedBlocksRoundTripThroughGenomeJsonWithoutChangingOldKeys() {
        Genome g = Genome.ORIGINAL.withDroppedBlocks(Set.of("block:5", "block:2"));
        assertEquals("{\"keep\":{},\"int8\":[],\"drop\":[\"block:2\",\"block:5\"]}", GenomeJson.write(g));
        assertEquals(g, GenomeJson.read(GenomeJson.write(g)));
        assertEquals("{\"keep\":{},\"int8\":[]}", GenomeJson.write(Genome.ORIGINAL), "studies written before blocks keep their keys");
        assertFalse(g.isOriginal());
    }
}
