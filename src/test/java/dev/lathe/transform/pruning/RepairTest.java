package dev.lathe.transform.pruning;

import dev.lathe.TestModels;
import dev.lathe.TinyGraphs;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

class RepairTest {
    /** x[N,4] -> MatMul W1[4,6] -> Add b1 -> Relu -> MatMul W2[6,3] -> Add b2, where unit 5 duplicates unit 0. */
    static OnnxModel duplicatedUnitModel() {
        Random r = new Random(4);
        float[] w1 = new float[4 * 6], b1 = new float[6], w2 = new float[6 * 3], b2 = new float[3];
        for (int i = 0; i < w1.length; i++) w1[i] = (float) r.nextGaussian();
        for (int k = 0; k < 4; k++) w1[k * 6 + 5] = w1[k * 6];
        for (int i = 0; i < 6; i++) b1[i] = (float) r.nextGaussian() * 0.1f;
        b1[5] = b1[0];
        for (int i = 0; i < w2.length; i++) w2[i] = (float) r.nextGaussian();
        for (int i = 0; i < 3; i++) w2[5 * 3 + i] = 3f; // unit 5 weighs heavily: magnitude would keep it
        return new TinyGraphs(0)
                .tensor("w1", new long[] {4, 6}, w1).tensor("b1", new long[] {6}, b1)
                .tensor("w2", new long[] {6, 3}, w2).tensor("b2", new long[] {3}, b2)
                .input("x", "n", 4)
                .node("MatMul", "h0", List.of("x", "w1")).node("Add", "h1", List.of("h0", "b1")).node("Relu", "h2", List.of("h1"))
                .node("MatMul", "y0", List.of("h2", "w2")).node("Add", "y", List.of("y0", "b2"))
                .output("y", "n", 3)
                .model(17);
    }

    static List<Map<String, TensorData>> samples(int n, long seed) {
        Random r = new Random(seed);
        List<Map<String, TensorData>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] x = new float[8 * 4];
            for (int j = 0; j < x.length; j++) x[j] = (float) r.nextGaussian();
            out.add(Map.of("x", TensorData.ofFloats(new long[] {8, 4}, x)));
        }
        return out;
    }

    static float[] run(OnnxModel m, Map<String, TensorData> in) throws Exception {
        try (OrtRunner r = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            return r.run(in).get("y").floats();
        }
    }

    @Test
    void leastSquaresRefitAbsorbsARemovedDuplicateUnit() throws Exception {
        OnnxModel m = duplicatedUnitModel();
        CandidateBuilder plain = new CandidateBuilder(m);
        PrunableGroup g = plain.groups().get(0);
        assertEquals(GroupKind.FFN_UNITS, g.kind());
        assertEquals(6, g.size());
        assertEquals("h2", g.consumer().input());
        assertEquals("b2", g.consumer().bias());

        // Remove the duplicate explicitly and refit the consumer on calibration activations.
        var graph = dev.lathe.model.MutableGraph.of(m);
        var stats = ActivationStats.collect(m, plain.groups(), samples(40, 1));
        int[] withoutDuplicate = {0, 1, 2, 3, 4};
        LeastSquaresRepair.repair(graph, g, withoutDuplicate, stats);
        StructuredPruner.prune(graph, g, withoutDuplicate);
        OnnxModel fixed = OnnxModel.of(graph.toModel());
        var unrepaired = dev.lathe.model.MutableGraph.of(m);
        StructuredPruner.prune(unrepaired, g, withoutDuplicate);
        OnnxModel broken = OnnxModel.of(unrepaired.toModel());
        for (Map<String, TensorData> s : samples(5, 99)) {
            float[] want = run(m, s);
            double scale = 0;
            for (float v : want) scale = Math.max(scale, Math.abs(v));
            double err = maxAbsDiff(want, run(fixed, s));
            // Exact but for the small ridge (1e-3 of the mean activation energy) that keeps the solve well posed.
            assertTrue(err < 5e-3 * scale, "refit carries the duplicate's contribution, error " + err + " at scale " + scale);
            assertTrue(maxAbsDiff(want, run(broken, s)) > 0.1, "without repair the output changes");
        }
    }

    @Test
    void surgeonRankingRemovesTheUnitTheRefitCanReplace() throws Exception {
        OnnxModel m = duplicatedUnitModel();
        List<Map<String, TensorData>> calibration = samples(40, 1);
        CandidateBuilder obs = CandidateBuilder.create(m, new PruningOptions("obs", "lstsq"), calibration);
        CandidateBuilder activation = obs.withOptions(new PruningOptions("activation", "lstsq"));
        String id = obs.groups().get(0).id();
        Genome oneLess = Genome.of(Map.of(id, 5.0 / 6), Set.of());
        int[] kept = obs.plan(oneLess).keptUnits().get(id);
        assertEquals(5, kept.length);
        assertTrue(!contains(kept, 0) || !contains(kept, 5), "one of the duplicate pair goes: " + java.util.Arrays.toString(kept));
        assertTrue(contains(activation.plan(oneLess).keptUnits().get(id), 5), "activation ranking keeps the heavy duplicate");
        double obsError = 0, activationError = 0, scale = 0;
        OnnxModel byObs = obs.build(oneLess), byActivation = activation.build(oneLess);
        for (Map<String, TensorData> s : samples(5, 99)) {
            float[] want = run(m, s);
            for (float v : want) scale = Math.max(scale, Math.abs(v));
            obsError = Math.max(obsError, maxAbsDiff(want, run(byObs, s)));
            activationError = Math.max(activationError, maxAbsDiff(want, run(byActivation, s)));
        }
        // Exact but for the ridge, as in the test above.
        assertTrue(obsError < 5e-3 * scale, "the refit replaces the removed duplicate: error " + obsError + " at scale " + scale);
        assertTrue(activationError > 5 * obsError, "activation ranking removed a unit nothing replaces: " + activationError + " vs " + obsError);
    }

    private static boolean contains(int[] a, int v) {
        return java.util.Arrays.stream(a).anyMatch(x -> x == v);
    }

    @Tag("minilm")
    @Test
    void calibratedPruningKeepsMiniLmEmbeddingsCloser() throws Exception {
        OnnxModel minilm = OnnxModel.load(TestModels.minilm());
        EvaluationData.Split split = EvaluationData.resolve(minilm, TestModels.sentences(), TestModels.minilmTokenizer(), InputShapes.of(1, 128));
        CandidateBuilder magnitude = new CandidateBuilder(minilm);
        CandidateBuilder calibrated = CandidateBuilder.create(minilm, PruningOptions.CALIBRATED, split.calibration().samples().subList(0, 96));
        Map<String, Double> half = new HashMap<>();
        for (PrunableGroup g : magnitude.groups()) if (g.kind() == GroupKind.FFN_UNITS) half.put(g.id(), 0.5);
        Genome genome = Genome.of(half, Set.of());
        QualityEvaluator q = new QualityEvaluator(minilm, split.evaluation().head(60), OrtRunner.RunnerSettings.cpu(1));
        double plain = q.evaluate(magnitude.build(genome)).fidelity();
        double repaired = q.evaluate(calibrated.build(genome)).fidelity();
        System.out.printf("MiniLM FFN -50%%: magnitude %.4f, %s+%s %.4f%n", plain, PruningOptions.CALIBRATED.criterion(), PruningOptions.CALIBRATED.repair(), repaired);
        assertTrue(repaired > plain + 0.1, "calibration should recover much of the loss: " + plain + " -> " + repaired);
        assertEquals(magnitude.build(genome).toBytes().length, calibrated.build(genome).toBytes().length, "same structure, same size");
    }
}
