package dev.lathe.transform.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lathe.model.TensorData;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The distiller trains for the figure the quality evaluator reports: a classifier's only where that reports one. */
class DistillationObjectiveTest {
    private static final List<String> TEXT_INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");
    private static final TensorData POOLED = TensorData.ofFloats(new long[] {2, 4}, new float[] {0.3f, -0.9f, 0.1f, 0.5f, -0.2f, 0.7f, 0.4f, -0.6f});
    private static final TensorData SOFTMAX = TensorData.ofFloats(new long[] {2, 3}, new float[] {0.2f, 0.5f, 0.3f, 0.9f, 0.05f, 0.05f});

    private static DistillationObjective.Kind kind(String output, TensorData teacher, boolean labelled) {
        return DistillationObjective.detect(output, teacher, TEXT_INPUTS, 2, 0, labelled).kind();
    }

    @Test
    void aPooledEmbeddingWithoutLabelsIsMatchedAsValuesNotAsClasses() {
        assertEquals(DistillationObjective.Kind.REGRESSION, kind("882", POOLED, false));
        assertEquals("mean cosine", DistillationObjective.detect("882", POOLED, TEXT_INPUTS, 2, 0, false).qualityMetric());
    }

    @Test
    void labelsLogitNamesOrProbabilitiesMakeAClassifier() {
        assertEquals(DistillationObjective.Kind.CLASSIFIER, kind("882", POOLED, true));
        assertEquals(DistillationObjective.Kind.CLASSIFIER, kind("logits", POOLED, false));
        assertEquals(DistillationObjective.Kind.CLASSIFIER, kind("output", SOFTMAX, false));
    }

    @Test
    void tokenStatesWithAMaskAreAnEmbedding() {
        TensorData states = TensorData.ofFloats(new long[] {1, 2, 2}, new float[] {1, 0, 0, 1});
        assertEquals(DistillationObjective.Kind.EMBEDDING, kind("last_hidden_state", states, false));
    }
}
