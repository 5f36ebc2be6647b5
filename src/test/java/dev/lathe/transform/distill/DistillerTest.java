package dev.lathe.transform.distill;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distillation repairs a damaged digits MLP, writes a model ONNX Runtime loads with the original's signature, and repeats for a seed. */
class DistillerTest {
    @Test
    void repairsADamagedModelIntoTheSameSignature(@TempDir Path dir) throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
        EvaluationData.Split split = EvaluationData.resolve(original, TestModels.digitsMlp().resolveSibling("test.csv"), null, InputShapes.of(1, 128));
        OnnxModel damaged = withNoise(original, 1.5, 7);
        double agreementBefore = agreement(original, damaged, split.evaluation());

        DistillationResult r = Distiller.distill(original, damaged, split.calibration(),
                DistillationSettings.steps(150, 1).withLearningRate(1e-2).withBatchSize(32), null);

        Path file = dir.resolve("distilled.onnx");
        r.model().save(file);
        OnnxModel reloaded = OnnxModel.load(file);
        double agreementAfter = agreement(original, reloaded, split.evaluation());
        System.out.printf("damaged MLP: agreement %.3f -> %.3f, held-out loss %.4f -> %.4f, %d steps in %d ms (%s)%n", agreementBefore, agreementAfter,
                r.heldOutLossBefore(), r.heldOutLossAfter(), r.steps(), r.millis(), r.stopReason());
        assertTrue(agreementBefore < 0.8, "the damage must matter: agreement " + agreementBefore);
        assertTrue(agreementAfter >= 0.95 && agreementAfter > agreementBefore + 0.15,
                "top-1 agreement on the evaluation rows (never trained on): " + agreementBefore + " -> " + agreementAfter);
        assertTrue(r.heldOutLossAfter() < r.heldOutLossBefore() / 3, r.heldOutLossBefore() + " -> " + r.heldOutLossAfter());
        assertEquals("top-1 agreement", r.qualityMetric());
        assertTrue(r.heldOutQualityAfter() > r.heldOutQualityBefore());
        assertEquals(r.steps(), r.curve().size());

        GraphProto a = original.proto().getGraph(), b = reloaded.proto().getGraph();
        assertEquals(a.getInputList(), b.getInputList());
        assertEquals(a.getOutputList(), b.getOutputList());
        assertEquals(a.getNodeList(), b.getNodeList());
        assertEquals(a.getInitializerCount(), b.getInitializerCount());
        for (int i = 0; i < a.getInitializerCount(); i++) {
            assertEquals(a.getInitializer(i).getName(), b.getInitializer(i).getName());
            assertEquals(a.getInitializer(i).getDimsList(), b.getInitializer(i).getDimsList());
        }
        // ONNX Runtime runs it and the executor's last held-out figure is what ONNX Runtime computes too
        try (OrtRunner ort = OrtRunner.of(reloaded, OrtRunner.RunnerSettings.cpu(1)); GraphExecutor ex = GraphExecutor.load(reloaded)) {
            Map<String, TensorData> s = split.evaluation().samples().get(0);
            assertArrayEquals(ort.run(s).get("logits").floats(), ex.run(s).get("logits").floats(), 1e-4f);
        }
    }

    @Test
    void sameSeedSameWeights() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
        Dataset data = EvaluationData.resolve(original, TestModels.digitsMlp().resolveSibling("test.csv"), null, InputShapes.of(1, 128)).calibration();
        OnnxModel damaged = withNoise(original, 0.6, 7);
        DistillationSettings settings = DistillationSettings.steps(25, 11).withLearningRate(3e-3);
        List<TensorProto> first = Distiller.distill(original, damaged, data, settings, null).model().proto().getGraph().getInitializerList();
        List<TensorProto> again = Distiller.distill(original, damaged, data, settings, null).model().proto().getGraph().getInitializerList();
        List<TensorProto> otherSeed = Distiller.distill(original, damaged, data, DistillationSettings.steps(25, 12).withLearningRate(3e-3), null)
                .model().proto().getGraph().getInitializerList();
        assertEquals(first, again, "same seed, same data: bit-identical weights");
        assertFalse(first.equals(otherSeed), "another seed splits and orders the data differently");
    }

    /** Every weight matrix plus Gaussian noise of {@code relative} times its own RMS. */
    static OnnxModel withNoise(OnnxModel model, double relative, long seed) {
        Random random = new Random(seed);
        GraphProto.Builder g = model.proto().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getDimsCount() != 2) continue;
            float[] v = Tensors.toFloats(t);
            double rms = 0;
            for (float f : v) rms += f * f;
            rms = Math.sqrt(rms / v.length);
            for (int k = 0; k < v.length; k++) v[k] += (float) (random.nextGaussian() * relative * rms);
            g.setInitializer(i, Tensors.floats(t.getName(), Tensors.dims(t), v));
        }
        return OnnxModel.of(model.proto().toBuilder().setGraph(g).build());
    }

    static double agreement(OnnxModel original, OnnxModel candidate, Dataset data) throws Exception {
        int same = 0;
        try (OrtRunner a = OrtRunner.of(original, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(candidate, OrtRunner.RunnerSettings.cpu(1))) {
            for (Map<String, TensorData> s : data.samples())
                if (argMax(a.run(s).get("logits").floats()) == argMax(b.run(s).get("logits").floats())) same++;
        }
        return (double) same / data.size();
    }

    private static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
