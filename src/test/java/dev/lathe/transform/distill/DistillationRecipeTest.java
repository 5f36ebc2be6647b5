package dev.lathe.transform.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The training recipe's parts: length-bucketed batches, gradients reaching every kept layer, and nothing trained off the distilled output's path. */
class DistillationRecipeTest {
    @Test
    void bucketedBatchesCoverEverySampleOnceAndPadLittle() {
        Random lengthsFrom = new Random(5);
        int n = 1000, batch = 32;
        int[] lengths = new int[n];
        List<Integer> train = new ArrayList<>();
        for (int i = 0; i < n; i++) { lengths[i] = 9 + (int) Math.round(Math.abs(lengthsFrom.nextGaussian()) * 6); train.add(i); }

        List<List<Integer>> batches = Distiller.epochBatches(new ArrayList<>(train), lengths, batch, new Random(1));
        Set<Integer> seen = new HashSet<>();
        for (List<Integer> b : batches) {
            assertEquals(batch, b.size());
            for (int i : b) assertTrue(seen.add(i), "sample " + i + " twice in one pass");
        }
        assertEquals(n / batch * batch, seen.size(), "one pass holds every sample but a remainder smaller than a batch");
        assertEquals(batches, Distiller.epochBatches(new ArrayList<>(train), lengths, batch, new Random(1)), "deterministic for a seed");

        List<Integer> shuffled = new ArrayList<>(train);
        Collections.shuffle(shuffled, new Random(1));
        long real = 0, plain = 0, bucketed = 0;
        for (int i : seen) real += lengths[i];
        for (int from = 0; from + batch <= n; from += batch) plain += (long) batch * longest(shuffled.subList(from, from + batch), lengths);
        for (List<Integer> b : batches) bucketed += (long) batch * longest(b, lengths);
        assertTrue(plain > 1.3 * real, "random batches pad: " + plain + " tokens for " + real);
        assertTrue(bucketed < 1.1 * real, "bucketed batches pad little: " + bucketed + " tokens for " + real);
    }

    @Test
    void samplesOfOneLengthComeInThePlainShuffledOrder() {
        int n = 100, batch = 8;
        List<Integer> train = new ArrayList<>();
        for (int i = 0; i < n; i++) train.add(i);
        List<List<Integer>> batches = Distiller.epochBatches(new ArrayList<>(train), new int[n], batch, new Random(3));
        List<Integer> shuffled = new ArrayList<>(train);
        Collections.shuffle(shuffled, new Random(3));
        List<Integer> flat = new ArrayList<>();
        batches.forEach(flat::addAll);
        assertEquals(shuffled.subList(0, n / batch * batch), flat, "images and rows keep the order they had before bucketing");
    }

    /** A pruned MiniLM: one backward pass gives every parameter on the output's path a gradient, and distillation leaves the pooler (a second output's) alone. */
    @Test
    @Tag("minilm")
    void gradientsReachEveryKeptLayerAndNothingOffThePathChanges() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        Dataset data = EvaluationData.resolve(original, TestModels.sentences(), TestModels.minilmTokenizer(), InputShapes.of(1, 128)).calibration().head(64);
        CandidateBuilder builder = CandidateBuilder.create(original, PruningOptions.MAGNITUDE, data.samples());
        Map<String, Double> ratios = new TreeMap<>();
        builder.groups().forEach(g -> {
            if (g.kind().id().equals("ffn_units")) ratios.put(g.id(), 0.5);
            if (g.kind().id().equals("attention_heads")) ratios.put(g.id(), 0.75);
        });
        OnnxModel student = builder.build(new Genome(new TreeMap<>(ratios), new TreeMap<>(), new TreeSet<>()));
        String output = student.proto().getGraph().getOutput(0).getName();

        TorchEngine.autogradOffOnThisThread();
        List<String> withoutGradient = new ArrayList<>();
        Set<String> onPath;
        try (GraphExecutor teacher = GraphExecutor.load(original); GraphExecutor ex = GraphExecutor.load(student)) {
            List<Map<String, TensorData>> samples = data.samples().subList(0, 8);
            List<TensorData> targets = new ArrayList<>();
            for (var s : samples) targets.add(teacher.run(s).get(output));
            DistillationObjective objective = DistillationObjective.detect(output, targets.get(0), ex.inputNames(), 2, 0, false);
            onPath = Distiller.onPathTo(student, ex.parameters(), output).keySet();
            try (NDScope ignored = new NDScope(); GradientCollector c = TorchEngine.get().newGradientCollector()) {
                Map<String, NDArray> in = ex.toNDArrays(Batches.stack(samples));
                c.backward(objective.loss(ex.forward(in, List.of()).get(output), targets, in, null));
                for (String name : onPath) {
                    NDArray p = ex.parameters().get(name);
                    if (!p.hasGradient() || p.getGradient().abs().max().getFloat() == 0) withoutGradient.add(name);
                }
            }
            assertTrue(onPath.size() >= 6 * 16, "the kept layers' weights, biases and norms: " + onPath.size());
            assertTrue(ex.parameters().keySet().stream().anyMatch(k -> k.startsWith("pooler.")) && onPath.stream().noneMatch(k -> k.startsWith("pooler.")),
                    "the pooler feeds only the second output");
        }
        assertEquals(List.of(), withoutGradient, "parameters on the output's path that a backward pass never reaches");

        DistillationResult r = Distiller.distill(original, student, data, DistillationSettings.steps(10, 1).withLearningRate(1e-4).withBatchSize(8), null);
        assertEquals(10, r.bestStep(), "the held-out loss improved, so the trained weights were kept: " + r.heldOutLossBefore() + " -> " + r.heldOutLossAfter());
        OnnxModel distilled = r.model();
        int changed = 0;
        for (TensorProto t : distilled.proto().getGraph().getInitializerList()) {
            TensorProto before = student.proto().getGraph().getInitializerList().stream().filter(b -> b.getName().equals(t.getName())).findFirst().orElseThrow();
            if (t.getName().startsWith("pooler.")) assertEquals(before, t, t.getName() + " is off the distilled output's path and must stay as it was");
            else if (!t.equals(before)) changed++;
        }
        assertTrue(changed > onPath.size() / 2, changed + " of " + onPath.size() + " trained tensors changed");
    }

    /** A NaN gradient changes neither the weights nor the moments, so the next finite step is the first step AdamW would take. */
    @Test
    void aGradientThatIsNotFiniteUpdatesNothing() {
        TorchEngine.autogradOffOnThisThread();
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), TorchEngine.get().getEngineName())) {
            NDArray skipped = m.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2)), fresh = skipped.duplicate();
            skipped.setRequiresGradient(true);
            fresh.setRequiresGradient(true);
            AdamW withNaN = new AdamW(Map.of("w", skipped), 0.01, 1.0), clean = new AdamW(Map.of("w", fresh), 0.01, 1.0);
            backward(skipped, new float[] {1, Float.NaN, 1, 1});
            assertTrue(Double.isNaN(withNaN.update(0.1)));
            assertEquals(List.of(1f, 2f, 3f, 4f), floats(skipped), "weights untouched");
            backward(skipped, new float[] {0.5f, -1, 2, 0});
            backward(fresh, new float[] {0.5f, -1, 2, 0});
            assertEquals(clean.update(0.1), withNaN.update(0.1), 1e-6);
            assertEquals(floats(fresh), floats(skipped), "the same step as a run that never met the NaN");
        }
    }

    /** Sets the parameter's gradient to {@code gradient} through the loss sum(p * g). */
    private static void backward(NDArray p, float[] gradient) {
        if (p.hasGradient()) p.getGradient().set(new ai.djl.ndarray.index.NDIndex(":"), 0);
        try (NDScope ignored = new NDScope(); GradientCollector c = TorchEngine.get().newGradientCollector()) {
            c.backward(p.mul(p.getManager().create(gradient, p.getShape())).sum());
        }
    }

    private static List<Float> floats(NDArray a) {
        List<Float> out = new ArrayList<>();
        for (float v : a.toFloatArray()) out.add(v);
        return out;
    }

    private static int longest(List<Integer> batch, int[] lengths) {
        int max = 0;
        for (int i : batch) max = Math.max(max, lengths[i]);
        return max;
    }
}
