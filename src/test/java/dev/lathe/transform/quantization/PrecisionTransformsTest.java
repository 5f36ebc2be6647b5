package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.lathe.TestModels;
import dev.lathe.TinyGraphs;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.DatasetLoader;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.pruning.PruningOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every precision on generated layers and on the sample CNN: close to float32 within a stated tolerance, equal
 * to the arithmetic its ONNX form implies (the 4-bit weights as dequantized, the QDQ graph run unfused), and
 * in the integer kernels ONNX Runtime fuses it into.
 */
class PrecisionTransformsTest {
    /** x[n,80] -> MatMul [80,48] -> Add -> Relu -> Gemm [24,48] transB + bias: K=80 leaves a partial 32-block and an odd block count. */
    static OnnxModel mlp() {
        return new TinyGraphs(1).weight("w1", 80, 48).weight("b1", 48).weight("w2", 24, 48).weight("b2", 24)
                .input("x", "n", 80)
                .node("MatMul", "h0", List.of("x", "w1")).node("Add", "h1", List.of("h0", "b1")).node("Relu", "h2", List.of("h1"))
                .node("Gemm", "y", List.of("h2", "w2", "b2"), TinyGraphs.integer("transB", 1))
                .output("y", "n", 24).model(17);
    }

    static List<Map<String, TensorData>> mlpSamples(int n, long seed) {
        List<Map<String, TensorData>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(Map.of("x", TensorData.ofFloats(new long[] {4, 80}, TinyGraphs.gaussian(320, seed + i))));
        return out;
    }

    static float[] run(OnnxModel m, Map<String, TensorData> in, String optimization) throws Exception {
        try (OrtRunner r = new OrtRunner(m.toBytes(), new OrtRunner.RunnerSettings(1, "cpu", optimization))) {
            return r.run(in).values().iterator().next().floats();
        }
    }

    static float[] run(OnnxModel m, Map<String, TensorData> in) throws Exception {
        return run(m, in, "all");
    }

    /** Operator counts of the graph ONNX Runtime actually runs (its optimized model, saved and read back). */
    static Map<String, Long> runtimeOperators(OnnxModel m, Path dir) throws Exception {
        Path file = Files.createTempFile(dir, "optimized", ".onnx");
        try (var opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            opts.setOptimizedModelFilePath(file.toString());
            try (var ignored = OrtEnvironment.getEnvironment().createSession(m.toBytes(), opts)) {
                // created: the optimized graph is on disk
            }
        }
        Map<String, Long> ops = new TreeMap<>();
        ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getNodeList().forEach(n -> ops.merge(n.getOpType(), 1L, Long::sum));
        return ops;
    }

    static OnnxModel apply(OnnxModel m, Precision p, List<Map<String, TensorData>> calibration) throws Exception {
        CandidateBuilder b = CandidateBuilder.create(m, PruningOptions.MAGNITUDE, calibration);
        Map<String, Precision> all = new TreeMap<>();
        b.analysis().quantizable().forEach(l -> { if (p.supports(l.opType())) all.put(l.id(), p); });
        return b.build(Genome.withPrecisions(Map.of(), all));
    }

    @Test
    void everyPrecisionStaysWithinItsToleranceOfFloat32AndReloads(@TempDir Path dir) throws Exception {
        OnnxModel m = mlp();
        var calibration = mlpSamples(8, 100);
        var probe = mlpSamples(1, 7).get(0);
        float[] ref = run(m, probe);
        // Minimum cosine to the float32 output: int8 and fp16 are near-lossless on 80/48 inputs, 4-bit weights
        // lose more, and the more the larger the blocks.
        Map<Precision, Double> tolerance = Map.of(Precision.INT8, 0.999, Precision.INT8_STATIC, 0.999, Precision.FP16, 0.99999,
                Precision.INT4_B32, 0.985, Precision.INT4_B64, 0.98, Precision.INT4_B128, 0.975);
        for (Precision p : Precision.values()) {
            OnnxModel q = apply(m, p, calibration);
            float[] y = run(q, probe);
            double cos = TensorData.cosine(ref, y);
            assertTrue(cos >= tolerance.get(p), p + ": cosine " + cos + " below " + tolerance.get(p));
            assertTrue(cos < 1.0 || p == Precision.FP16, p + " should change the arithmetic");
            Path file = dir.resolve(p.id() + ".onnx");
            q.save(file);
            assertArrayEquals(y, run(OnnxModel.load(file), probe), p + ": the saved file runs as built");
            assertEquals(m.proto().getGraph().getInputList(), q.proto().getGraph().getInputList());
            assertEquals(m.proto().getGraph().getOutputList(), q.proto().getGraph().getOutputList());
        }
    }

    @Test
    void int4WeightsComputeExactlyWhatTheirDequantizedValuesDo() throws Exception {
        OnnxModel m = mlp();
        var probe = mlpSamples(1, 9).get(0);
        for (int block : new int[] {32, 64, 128}) {
            MutableGraph g = MutableGraph.of(m);
            MutableGraph reference = MutableGraph.of(m);
            Map<String, Integer> blocks = Map.of("h0", block, "y", block);
            // The reference: the same float graph with each weight replaced by its 4-bit values dequantized.
            for (String w : List.of("w1", "w2")) {
                var t = reference.initializer(w);
                boolean transposed = w.equals("w2");
                var matrix = LayerWeights.matrix(t, transposed);
                var packed = Int4WeightQuantizer.pack(matrix, block);
                float[] kn = Int4WeightQuantizer.dequantize(packed, matrix.k(), matrix.n());
                float[] stored = kn;
                if (transposed) {
                    stored = new float[kn.length];
                    for (int r = 0; r < matrix.k(); r++) for (int c = 0; c < matrix.n(); c++) stored[c * matrix.k() + r] = kn[r * matrix.n() + c];
                }
                reference.putInitializer(Tensors.floats(w, Tensors.dims(t), stored));
            }
            Int4WeightQuantizer.quantize(g, blocks);
            float[] expected = run(OnnxModel.of(reference.toModel()), probe);
            float[] got = run(OnnxModel.of(g.toModel()), probe);
            assertTrue(maxAbsDiff(expected, got) < 1e-4, "block " + block + ": MatMulNBits differs from its dequantized weights by " + maxAbsDiff(expected, got));
            // Accuracy level 4 also quantizes the activations per block inside the kernel: close, not exact.
            MutableGraph fast = MutableGraph.of(m);
            Int4WeightQuantizer.quantize(fast, blocks, 4);
            assertTrue(TensorData.cosine(expected, run(OnnxModel.of(fast.toModel()), probe)) > 0.999, "accuracy level 4, block " + block);
        }
    }

    @Test
    void staticInt8RunsFusedAsItsQdqArithmeticSays(@TempDir Path dir) throws Exception {
        OnnxModel m = mlp();
        var calibration = mlpSamples(8, 100);
        var probe = mlpSamples(1, 7).get(0);
        // Unoptimized, ONNX Runtime evaluates the Q/DQ nodes in float: the reference arithmetic. Fused, it runs
        // integer kernels. With 7-bit weights nothing can saturate, so the two agree to float rounding.
        var reduced = new QuantizationOptions("minmax", 99.999, false, 8, true);
        OnnxModel exact = CandidateBuilder.create(m, PruningOptions.MAGNITUDE, reduced, calibration)
                .build(Genome.withPrecisions(Map.of(), Map.of("h0", Precision.INT8_STATIC, "y", Precision.INT8_STATIC)));
        float[] reference = run(exact, probe, "none"), fused = run(exact, probe, "all");
        assertTrue(maxAbsDiff(reference, fused) < 1e-4, "fused integer kernels vs QDQ arithmetic: " + maxAbsDiff(reference, fused));
        Map<String, Long> ops = runtimeOperators(exact, dir);
        assertFalse(ops.containsKey("MatMul") || ops.containsKey("Gemm") || ops.containsKey("FusedGemm"), "both layers run as integer kernels: " + ops);
        // With full 8-bit weights the kernel may saturate (x86 without VNNI), so only closeness holds.
        OnnxModel full = apply(m, Precision.INT8_STATIC, calibration);
        assertTrue(TensorData.cosine(run(full, probe, "none"), run(full, probe, "all")) > 0.999);
    }

    @Test
    void sampleCnnWithStaticInt8FusesIntoQLinearConvAndKeepsAccuracy(@TempDir Path dir) throws Exception {
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        Dataset test = DatasetLoader.csv(TestModels.samples().resolve("digits-cnn/test.csv"), cnn);
        Dataset calibration = DatasetLoader.csv(TestModels.samples().resolve("digits-cnn/calibration.csv"), cnn);
        QualityEvaluator q = new QualityEvaluator(cnn, test, OrtRunner.RunnerSettings.cpu(1));
        double base = q.evaluate(cnn).accuracy();
        OnnxModel int8 = apply(cnn, Precision.INT8_STATIC, calibration.samples());
        assertTrue(int8.proto().getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("BatchNormalization")), "folded before quantizing");
        Map<String, Long> ops = runtimeOperators(int8, dir);
        assertEquals(3L, ops.get("QLinearConv"), "every convolution runs as QLinearConv: " + ops);
        assertFalse(ops.containsKey("Conv"), ops.toString());
        assertFalse(ops.containsKey("Relu"), "each Relu is folded into its convolution's output range: " + ops);
        double acc = q.evaluate(int8).accuracy();
        System.out.printf("digits CNN, int8 static (min-max, %d calibration samples): accuracy %.4f vs %.4f float32 on %d test images%n",
                QuantizationOptions.DEFAULT.calibrationSamples(), acc, base, test.size());
        assertTrue(acc >= base - 0.01, "static int8 stays within 1 point of float32 accuracy: " + acc + " vs " + base);
        OnnxModel fp16 = apply(cnn, Precision.FP16, calibration.samples());
        assertTrue(q.evaluate(fp16).fidelity() >= 0.995, "float16 agrees with float32 on at least 99.5% of the test images");
    }

    @Test
    void staticInt8RaisesAnOldOpsetOnlyWhenNoOperatorChangedMeaning() throws Exception {
        OnnxModel plain = new TinyGraphs(2).weight("w", 8, 4).input("x", 2, 8).node("MatMul", "y", List.of("x", "w")).output("y", 2, 4).model(11);
        OnnxModel q = apply(plain, Precision.INT8_STATIC, List.of(Map.of("x", TensorData.ofFloats(new long[] {2, 8}, TinyGraphs.gaussian(16, 1)))));
        assertEquals(13, q.opset());
        OnnxModel withSoftmax = new TinyGraphs(2).weight("w", 8, 4).input("x", 2, 8).node("MatMul", "h", List.of("x", "w"))
                .node("Softmax", "y", List.of("h")).output("y", 2, 4).model(11);
        var e = assertThrows(IllegalArgumentException.class, () -> apply(withSoftmax, Precision.INT8_STATIC,
                List.of(Map.of("x", TensorData.ofFloats(new long[] {2, 8}, TinyGraphs.gaussian(16, 1))))));
        assertTrue(e.getMessage().contains("opset 11") && e.getMessage().contains("Softmax"), e.getMessage());
    }

    @Test
    void everyPrecisionComposesWithPruningTheSameLayer() throws Exception {
        OnnxModel m = mlp();
        CandidateBuilder b = CandidateBuilder.create(m, PruningOptions.MAGNITUDE, mlpSamples(8, 100));
        PrunableGroup units = b.groups().get(0);
        var probe = mlpSamples(1, 7).get(0);
        float[] pruned = run(b.build(Genome.withPrecisions(Map.of(units.id(), 0.5), Map.of())), probe);
        for (Precision p : Precision.values()) {
            OnnxModel both = b.build(Genome.withPrecisions(Map.of(units.id(), 0.5), Map.of("h0", p, "y", p)));
            var g = MutableGraph.of(both);
            assertEquals(24 * 4, run(both, probe).length);
            assertTrue(TensorData.cosine(pruned, run(both, probe)) > 0.97, p + " on the pruned layers");
            assertTrue(GroupFinder.analyze(g).quantizable().isEmpty() || p == Precision.FP16, "no float layer left at " + p);
        }
    }

    @Test
    void aPrecisionTheLayerCannotTakeIsRefusedByName() {
        CandidateBuilder b = new CandidateBuilder(OnnxModel.load(TestModels.digitsCnn()));
        var e = assertThrows(IllegalArgumentException.class, () -> b.build(Genome.withPrecisions(Map.of(), Map.of("/net/net.0/Conv", Precision.INT8))));
        assertTrue(e.getMessage().contains("/net/net.0/Conv") && e.getMessage().contains("Conv"), e.getMessage());
        var noData = assertThrows(IllegalArgumentException.class, () -> b.build(Genome.withPrecisions(Map.of(), Map.of("/net/net.0/Conv", Precision.INT8_STATIC))));
        assertTrue(noData.getMessage().contains("calibration data"), noData.getMessage());
    }
}
