package dev.lathe.analysis;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.ConstantWeightCnn;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.lathe.Numerics.maxAbsDiff;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.*;

/** The Constant-weight CNN of {@link ConstantWeightCnn}, at opset 9 and 14. */
class ConstantWeightCnnTest {
    @TempDir
    Path dir;

    private static Map<String, TensorData> inputs(OnnxModel m) {
        return SyntheticInputs.generate(m, InputShapes.of(2, 1), 3);
    }

    private static float[] run(Path file, Map<String, TensorData> in) throws Exception {
        try (OrtRunner r = new OrtRunner(Files.readAllBytes(file), OrtRunner.RunnerSettings.cpu(1))) {
            return r.run(in).get("logits").floats();
        }
    }

    private static float[] run(OnnxModel m, Map<String, TensorData> in) throws Exception {
        try (OrtRunner r = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            return r.run(in).get("logits").floats();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 14})
    void constantWeightsAreCountedGroupedAndQuantizable(int opset) throws Exception {
        Path file = ConstantWeightCnn.write(dir, opset);
        OnnxModel m = OnnxModel.load(file);
        assertEquals(ConstantWeightCnn.PARAMETERS, m.parameterCount(), "every weight, bias and BN statistic; no scalar, no scale");
        assertTrue(m.proto().getIrVersion() >= 4, "initializers need not be inputs");
        assertEquals(List.of("image"), InputShapes.realInputs(m.proto().getGraph()).stream().map(v -> v.getName()).toList());
        GroupFinder.Result r = GroupFinder.analyze(m);
        assertEquals(List.of("conv:c1", "conv:c2", "conv:c5"), r.groups().stream().map(PrunableGroup::id).toList(), r.unprunable().toString());
        PrunableGroup second = r.group("conv:c2").orElseThrow();
        assertTrue(second.name().contains("+1 tied"), "the residual Add ties the pointwise convolution to it: " + second.name());
        assertEquals(List.of("c1", "c2", "dw", "pw", "c5", "logits"), r.quantizable().stream().map(QuantizableLayer::id).toList());
        // The lifted model computes what the exporter's file computes.
        Map<String, TensorData> in = inputs(m);
        assertArrayEquals(run(file, in), run(m, in), "lifting is exact");
        // Quantization raises the opset; Clip, Pad and Upsample are rewritten to what they computed before.
        MutableGraph raised = MutableGraph.of(m);
        raised.requireOpset("", 13);
        OnnxModel thirteen = OnnxModel.of(raised.toModel());
        assertEquals(Math.max(13, opset), thirteen.opset());
        assertArrayEquals(run(file, in), run(thirteen, in), "raising the opset is exact");
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 14})
    void keepAllIsExactAndSilentChannelsAreRemovedExactly(int opset) throws Exception {
        int[] silent = {3, 7, 12};
        Path file = ConstantWeightCnn.write(dir, opset, silent);
        OnnxModel m = OnnxModel.load(file);
        PrunableGroup second = GroupFinder.analyze(m).group("conv:c2").orElseThrow();
        Map<String, TensorData> in = inputs(m);
        float[] expected = run(file, in);

        MutableGraph all = MutableGraph.of(m);
        for (PrunableGroup g : GroupFinder.analyze(m).groups()) StructuredPruner.prune(all, g, java.util.stream.IntStream.range(0, g.size()).toArray());
        assertArrayEquals(expected, run(OnnxModel.of(all.toModel()), in), "keeping every unit rewrites to the same numbers");

        // A silent channel is zero after the second BN, so after ReLU6 too: the rest of the graph never sees it.
        MutableGraph g = MutableGraph.of(m);
        int[] kept = java.util.stream.IntStream.range(0, 16).filter(c -> Arrays.stream(silent).noneMatch(s -> s == c)).toArray();
        StructuredPruner.prune(g, second, kept);
        OnnxModel pruned = OnnxModel.of(g.toModel());
        assertTrue(maxAbsDiff(expected, run(pruned, in)) < 1e-5, "silent channels removed exactly");
        assertEquals(16 - silent.length, pruned.proto().getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("pw.w")).findFirst().orElseThrow().getDims(0), "the tied pointwise convolution shrinks too");
        Path saved = dir.resolve("pruned.onnx");
        pruned.save(saved);
        assertEquals(m.proto().getGraph().getInputList(), OnnxModel.load(saved).proto().getGraph().getInputList(), "the signature is kept");
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 14})
    void prunedAndQuantizedCandidatesBuildAndRun(int opset) throws Exception {
        Path file = ConstantWeightCnn.write(dir, opset);
        OnnxModel m = OnnxModel.load(file);
        Map<String, TensorData> in = inputs(m);
        CandidateBuilder b = CandidateBuilder.create(m, PruningOptions.CALIBRATED, List.of(in));
        TreeMap<String, Double> keep = new TreeMap<>(Map.of("conv:c1", 0.5, "conv:c2", 0.75, "conv:c5", 0.5));
        for (Precision p : List.of(Precision.INT8, Precision.INT8_STATIC, Precision.FP16)) {
            TreeMap<String, Precision> precisions = new TreeMap<>();
            for (QuantizableLayer l : GroupFinder.analyze(m).quantizable()) if (p.supports(l.opType())) precisions.put(l.id(), p);
            OnnxModel candidate = b.build(Genome.withPrecisions(keep, precisions));
            float[] out = run(candidate, in);
            assertEquals(2 * 10, out.length, p.id());
            for (float v : out) assertTrue(Float.isFinite(v), p.id());
            assertTrue(candidate.parameterCount() < m.parameterCount(), p.id());
        }
    }
}
