package dev.lathe.transform.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hidden-state matching on MiniLM: which boundaries it matches, that padding is masked out, and that it repairs a model with layers dropped. */
@Tag("minilm")
class HiddenStatesTest {
    private static final String MASK = "attention_mask";

    @Test
    void dropppedBlocksAndTheGraphOutputAreNotMatched() {
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        List<RemovableBlock> blocks = GroupFinder.analyze(original).blocks().stream().filter(b -> b.id().startsWith("block:")).toList();
        assertEquals(6, blocks.size());
        OnnxModel student = new CandidateBuilder(original).build(new Genome(new TreeMap<>(), new TreeMap<>(), new TreeSet<>(List.of("block:1", "block:3"))));

        List<String> matched = HiddenStates.boundaries(original, student);
        String graphOutput = original.proto().getGraph().getOutput(0).getName();
        List<String> expected = new ArrayList<>();
        for (RemovableBlock b : blocks) if (!b.id().equals("block:1") && !b.id().equals("block:3") && !b.output().equals(graphOutput)) expected.add(b.output());
        assertEquals(expected, matched);
        assertFalse(matched.contains(blocks.get(1).output()) || matched.contains(blocks.get(3).output()));
        assertTrue(matched.contains(blocks.get(2).output()), "block 2 follows the dropped block 1: its output is matched to the original's there");
        assertEquals(blocks.get(5).output(), graphOutput, "the last layer's output is the embedding, left to the output loss");
        assertEquals(List.of(blocks.get(0).output(), blocks.get(1).output(), blocks.get(2).output(), blocks.get(3).output(), blocks.get(4).output()),
                HiddenStates.boundaries(original, original));
    }

    @Test
    void theOriginalAgainstItselfLosesNothingWithPaddedSentences() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        var samples = EvaluationData.resolve(original, TestModels.sentences(), TestModels.minilmTokenizer(), InputShapes.of(1, 128)).evaluation().samples();
        List<Map<String, TensorData>> batch = new ArrayList<>(List.of(samples.get(0)));
        for (var s : samples) if (s.get(MASK).shape()[1] > batch.get(0).get(MASK).shape()[1] + 4) { batch.add(s); break; }
        assertEquals(2, batch.size(), "two sentences of different lengths");
        try (GraphExecutor executor = GraphExecutor.load(original); HiddenStates hidden = HiddenStates.create(original, original, MASK);
             NDScope ignored = new NDScope()) {
            Map<String, NDArray> inputs = executor.toNDArrays(Batches.stack(batch));
            Map<String, NDArray> values = executor.forward(inputs, hidden.names());
            double loss = hidden.loss(values, batch, inputs).getFloat();
            assertTrue(loss < 1e-6, "the teacher matches itself, padded positions masked: " + loss);
            assertTrue(hidden.cachedBytes() > 0, "the teacher's states are kept for the next epoch");
            double again = hidden.loss(values, batch, inputs).getFloat();
            assertTrue(again < 1e-6, "from the half-precision cache: " + again);
            // the padded positions do hold values, so it is the mask that keeps them out
            long shortLength = batch.get(0).get(MASK).shape()[1];
            NDArray padded = values.get(hidden.names().get(0)).get("0, " + shortLength + ":, :");
            assertTrue(padded.abs().sum().getFloat() > 1, "padding positions of the short sentence are not zero");
        }
    }

    /** Two of six layers dropped: distillation with hidden states raises the cosine on sentences it never saw. */
    @Test
    @Tag("slow")
    void hiddenStateMatchingRepairsDroppedLayersOnUnseenSentences() throws Exception {
        OnnxModel original = OnnxModel.load(TestModels.minilm());
        InputShapes shapes = InputShapes.of(1, 128);
        var corpus = EvaluationData.resolve(original, TestModels.samples().resolve("sentences/corpus.txt"), TestModels.minilmTokenizer(), shapes);
        var unseen = EvaluationData.resolve(original, TestModels.sentences(), TestModels.minilmTokenizer(), shapes).evaluation().head(100);
        var train = corpus.calibration().head(600);
        OnnxModel student = CandidateBuilder.create(original, new PruningOptions("obs", "lstsq", 8), train.samples())
                .build(new Genome(new TreeMap<>(), new TreeMap<>(), new TreeSet<>(List.of("block:2", "block:4"))));
        QualityEvaluator evaluator = new QualityEvaluator(original, unseen, OrtRunner.RunnerSettings.cpu(1));
        double before = evaluator.evaluate(student).quality();

        DistillationResult r = Distiller.distill(original, student, train,
                DistillationSettings.steps(40, 3).withLearningRate(2e-4).withBatchSize(8).withHiddenStateWeight(1), null);
        double after = evaluator.evaluate(r.model()).quality();
        System.out.printf("two layers dropped: cosine on 100 unseen sentences %.4f -> %.4f in %d steps, %d ms (%s)%n", before, after, r.steps(), r.millis(), r.stopReason());
        assertTrue(after > before + 0.005, "cosine on unseen sentences " + before + " -> " + after);
    }
}
