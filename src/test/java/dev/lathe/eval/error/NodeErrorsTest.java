package dev.lathe.eval.error;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.TinyGraphs;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.data.ImagePreprocessing;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Per-node error of a candidate against the original, and where it first jumps. */
class NodeErrorsTest {
    private static final String DAMAGED = "/net/net.7/Conv";

    @Test
    void aCandidateWithOneDamagedLayerFirstJumpsAtExactlyThatLayer() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.digitsCnn());
        OnnxModel damaged = withNoisyWeight(original, "net.7.weight", 0.3);
        List<Map<String, TensorData>> samples = EvaluationData.resolve(original, TestModels.samples().resolve("digits-cnn/test.csv"), null,
                InputShapes.of(1, 8), ImagePreprocessing.of(null, null)).evaluation().head(4).samples();

        NodeErrors.Report r = NodeErrors.compare(original, damaged, samples);
        assertEquals(DAMAGED, r.firstJump());
        assertEquals(4, r.samples());
        assertEquals(original.proto().getGraph().getNodeCount(), r.nodes().size(), "one entry per original node");
        boolean after = false;
        for (NodeErrors.NodeError e : r.nodes()) {
            assertTrue(e.compared(), e.node() + ": " + e.reason());
            if (e.node().equals(DAMAGED)) after = true;
            if (!after) {
                assertEquals(0.0, e.relativeL2(), 0.0, e.node() + " runs before the damage: identical");
                assertEquals(1.0, e.cosine(), 1e-12);
            } else {
                assertTrue(e.relativeL2() > 0.05, e.node() + " carries the damage: " + e.relativeL2());
                assertTrue(e.cosine() < 0.999, e.node() + ": cosine " + e.cosine());
            }
        }

        NodeErrors.Report same = NodeErrors.compare(original, original, samples);
        assertNull(same.firstJump(), "the original against itself never jumps");
    }

    @Test
    void narrowerTensorsAreSkippedAndComparisonResumesWhereTheWidthIsRestored() throws Exception {
        // x -> up (16 wide) -> relu -> down (back to 8): the candidate keeps 12 of the 16 units.
        OnnxModel wide = twoLayers(16), narrow = twoLayers(12);
        List<Map<String, TensorData>> samples = List.of(Map.of("x", TensorData.ofFloats(new long[] {1, 8}, TinyGraphs.gaussian(8, 5))));
        NodeErrors.Report r = NodeErrors.compare(wide, narrow, samples);
        assertFalse(r.node("up").orElseThrow().compared());
        assertTrue(r.node("up").orElseThrow().reason().startsWith("widths differ: [1, 16] → [1, 12]"), r.node("up").orElseThrow().reason());
        assertFalse(r.node("act").orElseThrow().compared());
        NodeErrors.NodeError down = r.node("down").orElseThrow();
        assertTrue(down.compared());
        assertTrue(down.relativeL2() > 0, "dropping units changes the restored output");
        assertEquals("down", r.firstJump(), "the first place where the error can be seen");
    }

    private static OnnxModel twoLayers(int units) {
        float[] up = TinyGraphs.gaussian(8 * 16, 1), down = TinyGraphs.gaussian(16 * 8, 2);
        float[] upKept = new float[8 * units], downKept = new float[units * 8];
        for (int i = 0; i < 8; i++) System.arraycopy(up, i * 16, upKept, i * units, units);
        System.arraycopy(down, 0, downKept, 0, units * 8);
        return new TinyGraphs(0).input("x", 1, 8).tensor("Wu", new long[] {8, units}, upKept).tensor("Wd", new long[] {units, 8}, downKept)
                .node("MatMul", "up", List.of("x", "Wu")).node("Relu", "act", List.of("up")).node("MatMul", "down", List.of("act", "Wd"))
                .output("down", 1, 8).model(13);
    }

    static OnnxModel withNoisyWeight(OnnxModel m, String name, double std) {
        ModelProto.Builder b = m.proto().toBuilder();
        var g = b.getGraphBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (!t.getName().equals(name)) continue;
            float[] v = Tensors.toFloats(t);
            float[] noise = TinyGraphs.gaussian(v.length, 42);
            for (int k = 0; k < v.length; k++) v[k] += (float) (noise[k] * 2 * std);
            g.setInitializer(i, Tensors.floats(name, Tensors.dims(t), v));
            return OnnxModel.of(b.build());
        }
        throw new IllegalArgumentException("no initializer " + name);
    }
}
