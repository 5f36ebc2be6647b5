package dev.lathe.transform.distill;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.lathe.Numerics;
import dev.lathe.TestModels;
import dev.lathe.TinyGraphs;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.lathe.TinyGraphs.integer;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor end to end on the sample models (against ONNX Runtime), its gradients, and DJL's offline loading. */
class GraphExecutorTest {
    /** Largest difference allowed, relative to the output's largest magnitude (float32 summation order). */
    static final double END_TO_END_TOLERANCE = 1e-4;

    @Test
    void engineLoadsOfflineFromTheClassPath() {
        Engine engine = TorchEngine.get();
        assertEquals("true", System.getProperty("ai.djl.offline"), "DJL must never download");
        assertEquals("PyTorch", engine.getEngineName());
        assertEquals("2.7.1", engine.getVersion(), "the native library of the pytorch-native-cpu jar");
    }

    @Test
    void digitsModelsMatchOnnxRuntime() throws Exception {
        for (Path file : List.of(TestModels.digitsMlp(), TestModels.digitsCnn())) {
            OnnxModel model = OnnxModel.load(file);
            var samples = EvaluationData.resolve(model, file.resolveSibling("test.csv"), null, InputShapes.of(1, 128)).evaluation().samples();
            assertTrue(samples.size() >= 50);
            compare(model, samples.subList(0, 50), "logits", file.getParent().getFileName().toString());
        }
    }

    @Test
    @Tag("minilm")
    void miniLmMatchesOnnxRuntime() throws Exception {
        OnnxModel model = OnnxModel.load(TestModels.minilm());
        var samples = EvaluationData.resolve(model, TestModels.sentences(), TestModels.minilmTokenizer(), InputShapes.of(1, 128)).evaluation().samples();
        compare(model, samples.subList(0, 20), "output_0", "MiniLM");
    }

    private static void compare(OnnxModel model, List<Map<String, TensorData>> samples, String output, String what) throws Exception {
        double worst = 0;
        try (OrtRunner ort = OrtRunner.of(model, OrtRunner.RunnerSettings.cpu(1)); GraphExecutor executor = GraphExecutor.load(model)) {
            for (Map<String, TensorData> s : samples) {
                float[] expected = ort.run(s).get(output).floats();
                float[] got = executor.run(s).get(output).floats();
                double scale = 0;
                for (float v : expected) scale = Math.max(scale, Math.abs(v));
                worst = Math.max(worst, Numerics.maxAbsDiff(expected, got) / Math.max(1, scale));
            }
        }
        assertTrue(worst <= END_TO_END_TOLERANCE, what + ": relative difference " + worst);
    }

    /** Back-propagated gradients of every parameter kind (conv filter, bias, Gemm weight) against central differences. */
    @Test
    void gradientsMatchFiniteDifferences() {
        OnnxModel model = new TinyGraphs(31).weight("w", 3, 2, 3, 3).weight("cb", 3).weight("g", 3, 4).weight("gb", 4)
                .node("Conv", "c", List.of("x", "w", "cb"), ints("pads", 1, 1, 1, 1)).node("Tanh", "t", List.of("c"))
                .node("GlobalAveragePool", "p", List.of("t")).node("Flatten", "f", List.of("p"))
                .node("Gemm", "l", List.of("f", "g", "gb")).node("Softmax", "y", List.of("l"), integer("axis", 1))
                .input("x", 2, 2, 5, 5).output("y", 2, 4).model(13);
        TensorData x = TensorData.ofFloats(new long[] {2, 2, 5, 5}, TinyGraphs.gaussian(100, 5));
        float[] weights = TinyGraphs.gaussian(8, 6);
        try (GraphExecutor executor = GraphExecutor.load(model)) {
            assertEquals(List.of("w", "cb", "g", "gb"), List.copyOf(executor.parameters().keySet()));
            Map<String, float[]> analytic = new java.util.HashMap<>();
            for (int repeat = 0; repeat < 2; repeat++) {
                executor.zeroGradients();
                try (NDScope ignored = new NDScope(); GradientCollector collector = TorchEngine.get().newGradientCollector()) {
                    collector.backward(loss(executor, x, weights));
                    for (var e : executor.parameters().entrySet()) {
                        float[] g = e.getValue().getGradient().toFloatArray();
                        // after zeroGradients a second backward gives the same gradients, not twice them
                        if (repeat == 1) assertTrue(Numerics.maxAbsDiff(analytic.get(e.getKey()), g) < 1e-7, e.getKey() + " accumulated");
                        analytic.put(e.getKey(), g);
                    }
                }
            }
            for (var e : executor.parameters().entrySet()) {
                float[] value = e.getValue().toFloatArray();
                float[] g = analytic.get(e.getKey());
                for (int i = 0; i < value.length; i += Math.max(1, value.length / 6)) {
                    double h = 1e-2;
                    float[] plus = value.clone(), minus = value.clone();
                    plus[i] += (float) h;
                    minus[i] -= (float) h;
                    double numeric = (lossAt(executor, e.getKey(), plus, x, weights) - lossAt(executor, e.getKey(), minus, x, weights)) / (2 * h);
                    executor.restore(Map.of(e.getKey(), value));
                    assertEquals(numeric, g[i], 2e-3 + 2e-2 * Math.abs(numeric), e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    private static NDArray loss(GraphExecutor executor, TensorData x, float[] weights) {
        NDArray y = executor.forward(executor.toNDArrays(Map.of("x", x)), List.of()).get("y");
        return y.mul(executor.manager().create(weights, y.getShape())).sum();
    }

    private static double lossAt(GraphExecutor executor, String parameter, float[] value, TensorData x, float[] weights) {
        executor.restore(Map.of(parameter, value));
        try (NDScope ignored = new NDScope()) {
            return loss(executor, x, weights).getFloat();
        }
    }
}
