package dev.lathe.eval.quality;

import dev.lathe.eval.timing.LatencyStats;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TinyGraphs;
import dev.lathe.eval.data.Dataset;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Metric arithmetic against values worked out by hand. */
class MetricsTest {
    @Test
    void percentilesInterpolateBetweenRanks() {
        LatencyStats s = LatencyStats.of(new double[] {5, 1, 4, 2, 3}, 0, 1, "cpu", "");
        assertEquals(3.0, s.medianMs());
        assertEquals(4.6, s.p90Ms(), 1e-12);   // rank 0.9 * 4 = 3.6 -> 4 + 0.6 * (5 - 4)
        assertEquals(3.0, s.meanMs());
        assertEquals(Math.sqrt(2.5), s.stdMs(), 1e-12);
        assertEquals(1.0, s.minMs());
    }

    @Test
    void cosineAndArgmax() {
        assertEquals(1.0, TensorData.cosine(new float[] {1, 2}, new float[] {2, 4}), 1e-12);
        assertEquals(0.0, TensorData.cosine(new float[] {1, 0}, new float[] {0, 3}), 1e-12);
        assertEquals(-1.0, TensorData.cosine(new float[] {1, 1}, new float[] {-1, -1}), 1e-12);
        assertEquals(2, QualityEvaluator.argmax(new float[] {0.1f, -3, 7, 6.9f}));
    }

    @Test
    void meanPoolingSkipsPaddedPositions() {
        TensorData hidden = TensorData.ofFloats(new long[] {1, 3, 2}, new float[] {1, 2, 3, 4, 100, 100});
        TensorData mask = TensorData.ofLongs(new long[] {1, 3}, new long[] {1, 1, 0});
        assertArrayEquals(new float[] {2, 3}, QualityEvaluator.meanPool(hidden, mask));
    }

    /** KL([1/4, 3/4] || [1/10, 9/10]) = 1/4 ln 2.5 + 3/4 ln(5/6), in nats. */
    private static final double KL_QUARTER_TENTH = 0.25 * Math.log(2.5) + 0.75 * Math.log(5.0 / 6.0);

    @Test
    void accuracyTopFiveAndAgreementByHand() {
        float[] rising = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, falling = {6, 5, 4, 3, 2, 1}, flat = {1, 1, 1, 1, 1, 1};
        List<float[]> candidate = List.of(rising, rising, falling, flat);
        List<float[]> reference = List.of(new float[] {0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f}, rising, falling, flat);
        // labels: 0 ranks 6th in `rising`, 1 ranks 5th, 0 is top in `falling`, 5 ranks 6th among ties (lower index first)
        QualityReport r = FidelityMetrics.classifier(reference, candidate, new int[] {0, 1, 0, 5}, false);
        assertEquals(0.25, r.accuracy());
        assertEquals(0.5, r.top5Accuracy());
        assertEquals(0.75, r.fidelity(), "sample 0 predicts class 5 where the original said 0");
        assertEquals("top1_agreement", r.metric());
        assertEquals(0.25, r.quality());
        assertEquals("accuracy", r.qualityMetric());
        assertEquals(4, FidelityMetrics.rank(flat, 4));
        assertEquals(0, FidelityMetrics.rank(flat, 0));

        QualityReport unlabelled = FidelityMetrics.classifier(reference, candidate, null, false);
        assertNull(unlabelled.accuracy());
        assertNull(unlabelled.top5Accuracy());
        assertEquals(0.75, unlabelled.quality());
        assertEquals("top1_agreement", unlabelled.qualityMetric());
        assertNull(FidelityMetrics.classifier(List.of(new float[] {1, 2}), List.of(new float[] {1, 2}), new int[] {1}, false).top5Accuracy(),
                "top-5 of two classes says nothing");
    }

    @Test
    void klDivergenceOfLogitsAndProbabilitiesByHand() {
        float ln3 = (float) Math.log(3);
        // softmax([0, ln 3]) = [1/4, 3/4]; softmax([0, 2 ln 3]) = [1/10, 9/10]
        assertEquals(KL_QUARTER_TENTH, FidelityMetrics.klDivergence(new float[] {0, ln3}, new float[] {0, 2 * ln3}, false), 1e-6);
        assertEquals(KL_QUARTER_TENTH, FidelityMetrics.klDivergence(new float[] {0.25f, 0.75f}, new float[] {0.1f, 0.9f}, true), 1e-6);
        assertEquals(0, FidelityMetrics.klDivergence(new float[] {3, -1, 2}, new float[] {3, -1, 2}, false), 1e-12);
        assertEquals(0, FidelityMetrics.klDivergence(new float[] {3, -1, 2}, new float[] {13, 9, 12}, false), 1e-9, "softmax ignores a common shift");
        double zeroed = FidelityMetrics.klDivergence(new float[] {0.5f, 0.5f}, new float[] {1, 0}, true);
        assertTrue(Double.isFinite(zeroed) && zeroed > 10, "a class the candidate rules out costs a large, finite amount: " + zeroed);

        QualityReport r = FidelityMetrics.classifier(List.of(new float[] {0, ln3}, new float[] {0, 0}), List.of(new float[] {0, 2 * ln3}, new float[] {0, 0}), null, false);
        assertEquals(KL_QUARTER_TENTH / 2, r.klDivergence(), 1e-6);
        assertEquals(KL_QUARTER_TENTH, r.worstKlDivergence(), 1e-6);

        assertTrue(FidelityMetrics.areProbabilities(List.of(new float[] {0.25f, 0.75f}, new float[] {0.5f, 0.5f})));
        assertFalse(FidelityMetrics.areProbabilities(List.of(new float[] {0.25f, 0.75f}, new float[] {0.2f, 0.7f})), "sums to 0.9");
        assertFalse(FidelityMetrics.areProbabilities(List.of(new float[] {-0.1f, 1.1f})), "negative");
    }

    @Test
    void meanAndWorstCosineByHand() {
        QualityReport r = FidelityMetrics.cosine(List.of(new float[] {1, 0}, new float[] {1, 1}), List.of(new float[] {1, 0}, new float[] {1, 0}));
        assertEquals((1 + Math.sqrt(0.5)) / 2, r.fidelity(), 1e-12);
        assertEquals(Math.sqrt(0.5), r.worstCase(), 1e-12);
        assertEquals("cosine", r.qualityMetric());
        assertNull(r.klDivergence());
        assertEquals(List.of("cosine", "cosine_worst"), List.copyOf(r.figures().keySet()));
    }

    @Test
    void theExtraFiguresTravelWithTheReport() throws Exception {
        QualityReport r = new QualityReport("top1_agreement", 0.75, 0.75, 0.5, 4, 0.75, 0.125, 0.5);
        String json = new ObjectMapper().writeValueAsString(r);
        assertTrue(json.contains("\"top5Accuracy\":0.75") && json.contains("\"klDivergence\":0.125") && json.contains("\"worstKlDivergence\":0.5"), json);
        assertEquals(Map.of("accuracy", 0.5, "top5_accuracy", 0.75, "top1_agreement", 0.75, "kl_divergence", 0.125, "kl_divergence_worst", 0.5), r.figures());
        assertEquals(List.of("accuracy", "top5_accuracy", "top1_agreement", "kl_divergence", "kl_divergence_worst"), List.copyOf(r.figures().keySet()));
        QualityReport old = new QualityReport("cosine", 0.9, 0.8, null, 3);
        assertNull(old.top5Accuracy());
        assertEquals(0.9, old.quality());
    }

    /** Runs real models: the original passes logits through, the candidate doubles them. */
    @Test
    void theEvaluatorScoresLogitsAndSoftmaxOutputsByHand() throws Exception {
        float ln3 = (float) Math.log(3);
        List<Map<String, TensorData>> samples = List.of(
                Map.of("x", TensorData.ofFloats(new long[] {1, 2}, new float[] {0, ln3})),
                Map.of("x", TensorData.ofFloats(new long[] {1, 2}, new float[] {0, 0})));
        Dataset labelled = new Dataset("two", samples, new int[] {1, 1}, false, "test");
        OnnxModel identity = new TinyGraphs(1).input("x", "N", 2).node("Identity", "logits", List.of("x")).output("logits", "N", 2).model(13);
        OnnxModel doubled = new TinyGraphs(1).input("x", "N", 2).tensor("two", new long[] {1}, new float[] {2})
                .node("Mul", "logits", List.of("x", "two")).output("logits", "N", 2).model(13);
        QualityEvaluator q = new QualityEvaluator(identity, labelled, OrtRunner.RunnerSettings.cpu(1));
        assertEquals(QualityEvaluator.OutputKind.CLASSIFIER, q.kind());
        assertFalse(q.outputsProbabilities());
        QualityReport r = q.evaluate(doubled);
        assertEquals(0.5, r.accuracy(), "sample 2's tie goes to class 0, its label is 1");
        assertEquals(1.0, r.fidelity());
        assertEquals(KL_QUARTER_TENTH / 2, r.klDivergence(), 1e-6);
        assertEquals(KL_QUARTER_TENTH, r.worstKlDivergence(), 1e-6);

        // Unlabelled, with an output name that says nothing: softmax rows make it a classifier.
        Dataset unlabelled = new Dataset("two", samples, null, false, "test");
        OnnxModel softmax = new TinyGraphs(1).input("x", "N", 2).node("Softmax", "out", List.of("x")).output("out", "N", 2).model(13);
        OnnxModel softmaxDoubled = new TinyGraphs(1).input("x", "N", 2).tensor("two", new long[] {1}, new float[] {2})
                .node("Mul", "scaled", List.of("x", "two")).node("Softmax", "out", List.of("scaled")).output("out", "N", 2).model(13);
        QualityEvaluator p = new QualityEvaluator(softmax, unlabelled, OrtRunner.RunnerSettings.cpu(1));
        assertEquals(QualityEvaluator.OutputKind.CLASSIFIER, p.kind());
        assertTrue(p.outputsProbabilities());
        QualityReport pr = p.evaluate(softmaxDoubled);
        assertEquals("top1_agreement", pr.qualityMetric());
        assertEquals(KL_QUARTER_TENTH / 2, pr.klDivergence(), 1e-6);

        Dataset badLabel = new Dataset("bad", samples, new int[] {1, 2}, false, "test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new QualityEvaluator(identity, badLabel, OrtRunner.RunnerSettings.cpu(1)));
        assertEquals("bad: label 2 of sample 2 is out of range: output 'logits' has 2 classes", e.getMessage());
    }
}
