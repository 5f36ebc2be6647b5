package dev.lathe.analysis;

import dev.lathe.TestModels;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.DatasetLoader;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Convolution channels of the sample CNN: Conv, BatchNormalization, ReLU, pooling, the next Conv or the classifier. */
class ConvChannelsTest {
    @Test
    void findsEveryConvChannelGroupOfTheSampleCnn() {
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(cnn));
        List<PrunableGroup> conv = r.groups().stream().filter(g -> g.kind() == GroupKind.CONV_CHANNELS).toList();
        assertEquals(List.of(32, 64, 64), conv.stream().map(PrunableGroup::size).toList());
        // conv weight + bias, four BatchNormalization parameters, the reader's weight
        conv.forEach(g -> assertEquals(7, g.slices().size(), g.toString()));
        assertTrue(conv.get(0).consumer().convolution(), "a convolution reads the first group");
        assertEquals("net.3.bias", conv.get(0).consumer().bias());
        assertNotNull(conv.get(2).consumer(), "the classifier reads the last group through the global pool");
        assertEquals(1, conv.get(2).slices().stream().filter(s -> s.axis() == 1).count());
    }

    @Test
    void keepAllIsExactAndHalfTheChannelsKeepAccuracyAfterRepair() throws Exception {
        OnnxModel cnn = OnnxModel.load(TestModels.digitsCnn());
        Dataset test = DatasetLoader.csv(TestModels.samples().resolve("digits-cnn/test.csv"), cnn);
        Dataset calibration = DatasetLoader.csv(TestModels.samples().resolve("digits-cnn/calibration.csv"), cnn);
        CandidateBuilder plain = new CandidateBuilder(cnn);
        CandidateBuilder repaired = CandidateBuilder.create(cnn, PruningOptions.CALIBRATED, calibration.samples());
        Map<String, Double> all = new HashMap<>(), half = new HashMap<>();
        for (PrunableGroup g : plain.groups()) { all.put(g.id(), 1.0); half.put(g.id(), 0.5); }

        QualityEvaluator q = new QualityEvaluator(cnn, test, OrtRunner.RunnerSettings.cpu(1));
        assertEquals(1.0, q.evaluate(plain.build(Genome.of(all, Set.of()))).fidelity());
        OnnxModel small = plain.build(Genome.of(half, Set.of()));
        assertTrue(small.toBytes().length < cnn.toBytes().length * 0.4, "half the channels of every layer: about a quarter of the conv weights");
        assertEquals(cnn.proto().getGraph().getOutputList(), small.proto().getGraph().getOutputList());
        double base = q.evaluate(cnn).accuracy();
        double magnitude = q.evaluate(small).accuracy();
        double withRepair = q.evaluate(repaired.build(Genome.of(half, Set.of()))).accuracy();
        System.out.printf("digits CNN, half the channels: accuracy %.4f -> %.4f (magnitude), %.4f (activation ranking + least-squares refit over kernel windows)%n", base, magnitude, withRepair);
        // Magnitude alone wrecks the network; refitting each reader on calibration windows keeps it a classifier.
        assertTrue(magnitude < 0.5, "without repair half the channels is a heavy loss: " + magnitude);
        assertTrue(withRepair > base - 0.03, "calibrated " + withRepair + " vs original " + base);
        Map<String, Double> lastHalf = Map.of(plain.groups().get(2).id(), 0.5);
        double last = q.evaluate(repaired.build(Genome.of(lastHalf, Set.of()))).accuracy();
        assertTrue(last > base - 0.02, "half the last block's channels, refitted classifier: " + last);
    }
}
