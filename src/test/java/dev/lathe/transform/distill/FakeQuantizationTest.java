package dev.lathe.transform.distill;

import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.transform.quantization.DynamicInt8Quantizer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor's fake-quantized layers compute what ONNX Runtime computes for the same layers quantized to dynamic int8. */
class FakeQuantizationTest {
    @Test
    void fakeQuantizedLayersMatchOnnxRuntimesDynamicInt8() throws Exception {
        OnnxModel model = OnnxModel.load(TestModels.digitsMlp());
        Set<String> layers = new TreeSet<>();
        for (var q : GroupFinder.analyze(model).quantizable()) layers.add(q.id());
        MutableGraph g = MutableGraph.of(model);
        assertEquals(layers.size(), DynamicInt8Quantizer.quantize(g, layers));
        OnnxModel int8 = OnnxModel.of(g.toModel());
        var samples = EvaluationData.resolve(model, TestModels.digitsMlp().resolveSibling("test.csv"), null, InputShapes.of(1, 128)).evaluation().samples();

        double fakeError = 0, floatError = 0, scale = 0;
        try (OrtRunner ort = OrtRunner.of(int8, OrtRunner.RunnerSettings.cpu(1)); GraphExecutor ex = GraphExecutor.load(model)) {
            float[][] plain = new float[50][];
            for (int i = 0; i < 50; i++) plain[i] = ex.run(samples.get(i)).get("logits").floats();
            assertEquals(layers.size(), ex.fakeQuantize(layers));
            for (int i = 0; i < 50; i++) {
                Map<String, TensorData> s = samples.get(i);
                float[] want = ort.run(s).get("logits").floats(), fake = ex.run(s).get("logits").floats();
                for (int k = 0; k < want.length; k++) {
                    fakeError = Math.max(fakeError, Math.abs(fake[k] - want[k]));
                    floatError = Math.max(floatError, Math.abs(plain[i][k] - want[k]));
                    scale = Math.max(scale, Math.abs(want[k]));
                }
            }
        }
        System.out.printf("int8 MLP logits: fake quantization within %.2e, float within %.2e (largest logit %.2f)%n", fakeError, floatError, scale);
        assertTrue(floatError > 1e-3 * scale, "int8 must differ from float for this to test anything: " + floatError);
        assertTrue(fakeError < floatError / 10, "fake quantization " + fakeError + " against float " + floatError);
    }
}
