package dev.lathe.transform.conversion;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.TinyGraphs;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.TensorData;
import dev.lathe.model.TensorTypes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole-model float16: in the written and reloaded model every float tensor is float16 except the model's inputs
 * and outputs and what the kept operators read and write (types as ONNX Runtime infers them), and ONNX Runtime's
 * CPU provider gives the float32 outputs up to float16 rounding.
 */
class Fp16ModelConverterTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    @TempDir
    Path tmp;

    /** x → MatMul+Add → unfused LayerNorm → scale/shift → Relu (also an output, read on) → × ones of x's shape → MatMul → Softmax. */
    private static OnnxModel tinyEncoder() {
        TinyGraphs t = new TinyGraphs(7);
        t.input("x", "N", 8).output("hidden", "N", 16).output("probs", "N", 4)
                .weight("w1", 8, 16).weight("b1", 16).weight("gamma", 16).weight("beta", 16).weight("w2", 16, 4)
                .tensor("two", new long[0], new float[] {2f}).tensor("eps", new long[0], new float[] {1e-12f})
                .tensor("big", new long[0], new float[] {-3.4e38f})
                .node("MatMul", "h1", List.of("x", "w1")).node("Add", "h2", List.of("h1", "b1"))
                .node("ReduceMean", "mean", List.of("h2"), TinyGraphs.ints("axes", -1))
                .node("Sub", "centred", List.of("h2", "mean")).node("Pow", "sq", List.of("centred", "two"))
                .node("ReduceMean", "var", List.of("sq"), TinyGraphs.ints("axes", -1)).node("Add", "var_eps", List.of("var", "eps"))
                .node("Sqrt", "std", List.of("var_eps")).node("Div", "normed", List.of("centred", "std"))
                .node("Mul", "scaled", List.of("normed", "gamma")).node("Add", "shifted", List.of("scaled", "beta"))
                .node("Relu", "hidden", List.of("shifted"))
                .node("Shape", "hshape", List.of("hidden"))
                .raw(NodeProto.newBuilder().setOpType("ConstantOfShape").setName("ones").addInput("hshape").addOutput("ones")
                        .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("value").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.TENSOR)
                                .setT(dev.lathe.model.Tensors.floats("", new long[] {1}, new float[] {1f}))).build())
                .node("Mul", "h3", List.of("hidden", "ones"))
                .node("MatMul", "logits", List.of("h3", "w2"))
                // A mask-style constant beyond float16's range: clamped, not turned into -inf.
                .node("Max", "floored", List.of("logits", "big"))
                .node("Softmax", "probs", List.of("floored"), TinyGraphs.integer("axis", -1));
        return t.model(13);
    }

    @Test
    void tinyEncoderIsFloat16ExceptInputsOutputsAndTheKeptOperators() throws Exception {
        OnnxModel original = tinyEncoder();
        Fp16ModelConverter.Result r = Fp16ModelConverter.convert(original.proto(), Fp16ModelConverter.DEFAULT_KEEP_FP32);
        OnnxModel reloaded = saveAndReload(r.model(), "tiny.onnx");
        Set<String> kept = Set.of("mean", "centred", "sq", "var", "var_eps", "std", "normed", "probs");
        assertTypes(original, reloaded, kept);
        assertEquals(Map.of("Add", 1, "Div", 1, "Pow", 1, "ReduceMean", 2, "Softmax", 1, "Sqrt", 1, "Sub", 1), r.fp32Nodes());
        // The LayerNorm's epsilon and exponent are read in float32 only, so they stay float32; every other weight is float16.
        for (TensorProto t : reloaded.proto().getGraph().getInitializerList())
            assertEquals(Set.of("two", "eps").contains(t.getName()) ? FLOAT : FLOAT16, t.getDataType(), t.getName());
        Map<String, TensorData> x = Map.of("x", TensorData.ofFloats(new long[] {5, 8}, TinyGraphs.gaussian(40, 3)));
        assertClose(original, reloaded, x, 2e-2);

        // Nothing kept: the normalization and Softmax run in float16 too, and the outputs still agree.
        Fp16ModelConverter.Result all = Fp16ModelConverter.convert(original.proto(), Set.of());
        OnnxModel allHalf = saveAndReload(all.model(), "all.onnx");
        assertTypes(original, allHalf, Set.of());
        assertEquals(Map.of(), all.fp32Nodes());
        assertClose(original, allHalf, x, 3e-2);
    }

    @Test
    void digitsSamplesRunInFloat16OnTheCpuProvider() throws Exception {
        for (Path p : List.of(TestModels.digitsMlp(), TestModels.digitsCnn())) {
            OnnxModel original = OnnxModel.load(p);
            Fp16ModelConverter.Result r = Fp16ModelConverter.convert(original.proto(), Fp16ModelConverter.DEFAULT_KEEP_FP32);
            OnnxModel reloaded = saveAndReload(r.model(), p.getParent().getFileName() + ".onnx");
            Set<String> kept = new HashSet<>();
            original.proto().getGraph().getNodeList().stream().filter(n -> Fp16ModelConverter.DEFAULT_KEEP_FP32.contains(n.getOpType()))
                    .forEach(n -> kept.addAll(n.getOutputList()));
            assertTypes(original, reloaded, kept);
            assertNull(Fp16ModelConverter.cpuProblem(reloaded), "the CPU provider runs " + p);
            assertClose(original, reloaded, SyntheticInputs.generate(original, InputShapes.of(4, 8), 11), 2e-2);
        }
    }

    @Tag("minilm")
    @Test
    void miniLmKeepsItsLayerNormsAndSoftmaxInFloat32() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        Fp16ModelConverter.Result r = Fp16ModelConverter.convert(original.proto(), Fp16ModelConverter.DEFAULT_KEEP_FP32);
        OnnxModel reloaded = saveAndReload(r.model(), "minilm-fp16.onnx");
        // 13 unfused LayerNorms (embeddings and two per layer) of 7 nodes each, and 6 Softmax.
        assertEquals(13, r.fp32Nodes().get("Pow"));
        assertEquals(26, r.fp32Nodes().get("ReduceMean"));
        assertEquals(6, r.fp32Nodes().get("Softmax"));
        Set<String> kept = new HashSet<>();
        var keptNodes = Fp16ModelConverter.keptNodes(original.proto().getGraph(), Fp16ModelConverter.DEFAULT_KEEP_FP32);
        var graph = original.proto().getGraph();
        for (int i : keptNodes) kept.addAll(graph.getNode(i).getOutputList());
        // Constants only kept nodes read (the LayerNorms' exponent and epsilon) stay float32, as such initializers do.
        Set<String> readByHalf = new HashSet<>();
        for (int i = 0; i < graph.getNodeCount(); i++) if (!keptNodes.contains(i)) readByHalf.addAll(graph.getNode(i).getInputList());
        for (NodeProto n : graph.getNodeList())
            if (n.getOpType().equals("Constant") && !readByHalf.contains(n.getOutput(0))) kept.add(n.getOutput(0));
        assertTypes(original, reloaded, kept);
        assertTrue(reloaded.toBytes().length < 0.55 * original.toBytes().length, "weights in half the bytes");
        String cpu = Fp16ModelConverter.cpuProblem(reloaded);
        if (cpu != null) {
            // Allowed, but then the reason is ONNX Runtime's own, naming what it could not run.
            assertTrue(cpu.contains("implementation") || cpu.contains("kernel"), cpu);
            return;
        }
        Map<String, TensorData> in = SyntheticInputs.generate(original, InputShapes.of(1, 32), 5);
        double cos = cosine(original, reloaded, in);
        assertTrue(cos > 0.9999, "float16 MiniLM's token embeddings against float32: cosine " + cos);
    }

    /** Every float tensor of the original is float16 in the converted model, but its inputs, outputs and {@code kept}. */
    private static void assertTypes(OnnxModel original, OnnxModel converted, Set<String> kept) throws Exception {
        Map<String, Integer> before = TensorTypes.infer(original.proto());
        Map<String, Integer> after = TensorTypes.infer(converted.proto());
        Set<String> io = new HashSet<>();
        original.proto().getGraph().getInputList().forEach(v -> io.add(v.getName()));
        original.proto().getGraph().getOutputList().forEach(v -> io.add(v.getName()));
        for (var v : converted.proto().getGraph().getInputList()) assertEquals(before.get(v.getName()), after.get(v.getName()), "input " + v.getName());
        for (var v : converted.proto().getGraph().getOutputList()) assertEquals(before.get(v.getName()), after.get(v.getName()), "output " + v.getName());
        int half = 0;
        for (NodeProto n : original.proto().getGraph().getNodeList())
            for (String o : n.getOutputList()) {
                if (before.getOrDefault(o, 0) != FLOAT || io.contains(o)) continue;
                int expected = kept.contains(o) ? FLOAT : FLOAT16;
                assertEquals(expected, after.get(o), o + " (" + n.getOpType() + ")");
                if (expected == FLOAT16) half++;
            }
        assertTrue(half > 0);
    }

    private OnnxModel saveAndReload(ModelProto m, String name) throws Exception {
        Path file = tmp.resolve(name);
        OnnxModel.of(m).save(file);
        return OnnxModel.load(file);
    }

    /** Largest difference of any output, relative to the largest float32 magnitude of that output. */
    private static void assertClose(OnnxModel a, OnnxModel b, Map<String, TensorData> in, double tolerance) throws Exception {
        try (OrtRunner ra = OrtRunner.of(a, OrtRunner.RunnerSettings.cpu(1)); OrtRunner rb = OrtRunner.of(b, OrtRunner.RunnerSettings.cpu(1))) {
            Map<String, TensorData> ya = ra.run(in), yb = rb.run(in);
            assertEquals(ya.keySet(), yb.keySet());
            for (String k : ya.keySet()) {
                float[] x = ya.get(k).floats(), y = yb.get(k).floats();
                double scale = 0, diff = 0;
                for (int i = 0; i < x.length; i++) {
                    scale = Math.max(scale, Math.abs(x[i]));
                    diff = Math.max(diff, Math.abs(x[i] - y[i]));
                }
                assertTrue(diff <= tolerance * Math.max(scale, 1e-3), k + ": float16 differs by " + diff + " at scale " + scale);
                assertTrue(diff > 0 || x.length == 0, k + " should change in float16");
            }
        }
    }

    private static double cosine(OnnxModel a, OnnxModel b, Map<String, TensorData> in) throws Exception {
        try (OrtRunner ra = OrtRunner.of(a, OrtRunner.RunnerSettings.cpu(1)); OrtRunner rb = OrtRunner.of(b, OrtRunner.RunnerSettings.cpu(1))) {
            String first = a.proto().getGraph().getOutput(0).getName();
            return TensorData.cosine(ra.run(in).get(first).floats(), rb.run(in).get(first).floats());
        }
    }
}
