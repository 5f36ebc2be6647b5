package dev.lathe.transform;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.eval.quality.QualityReport;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.DatasetLoader;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.model.Tensors;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static dev.lathe.Numerics.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.*;

/** Pruning and quantizing the sample MLP, checked against ONNX Runtime's output for the original. */
class DigitsPruningTest {
    static OnnxModel mlp;
    static Dataset test;

    @BeforeAll
    static void load() {
        mlp = OnnxModel.load(TestModels.digitsMlp());
        test = DatasetLoader.csv(TestModels.samples().resolve("digits-mlp/test.csv"), mlp);
    }

    static float[] logits(OnnxModel m, Map<String, TensorData> in) throws Exception {
        try (OrtRunner r = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            return r.run(in).get("logits").floats();
        }
    }

    @Test
    void findsBothHiddenLayersOfTheMlp() {
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(mlp));
        assertEquals(2, r.groups().size());
        assertEquals(128, r.groups().get(0).size());
        assertEquals(64, r.groups().get(1).size());
        assertEquals(3, r.quantizable().size());
        assertTrue(r.unprunable().isEmpty(), "the output layer loses input columns with the second group: " + r.unprunable());
    }

    @Test
    void removingUnitsWhoseWeightsAreZeroReproducesOutputs() throws Exception {
        // Zero the incoming weights and bias of 40 hidden units: after ReLU they contribute nothing.
        GroupFinder.Result r = GroupFinder.analyze(MutableGraph.of(mlp));
        PrunableGroup g = r.groups().get(0);
        MutableGraph zeroed = MutableGraph.of(mlp);
        Set<Integer> dead = new TreeSet<>();
        IntStream.range(0, 40).forEach(i -> dead.add(i * 3));
        TensorProto w = zeroed.initializer("net.0.weight");
        float[] wv = Tensors.toFloats(w);
        for (int u : dead) for (int k = 0; k < 64; k++) wv[u * 64 + k] = 0;
        zeroed.putInitializer(Tensors.floats(w.getName(), Tensors.dims(w), wv));
        TensorProto b = zeroed.initializer("net.0.bias");
        float[] bv = Tensors.toFloats(b);
        for (int u : dead) bv[u] = 0;
        zeroed.putInitializer(Tensors.floats(b.getName(), Tensors.dims(b), bv));
        OnnxModel withDead = OnnxModel.of(zeroed.toModel());

        MutableGraph pruned = new MutableGraph(withDead.proto());
        int[] keep = IntStream.range(0, 128).filter(i -> !dead.contains(i)).toArray();
        StructuredPruner.prune(pruned, g, keep);
        OnnxModel small = OnnxModel.of(pruned.toModel());
        assertEquals(88, small.proto().getGraph().getInitializerList().stream().filter(t -> t.getName().equals("net.0.weight")).findFirst().orElseThrow().getDims(0));

        for (int i = 0; i < 20; i++) {
            var in = test.samples().get(i);
            assertTrue(maxAbsDiff(logits(withDead, in), logits(small, in)) < 1e-5);
        }
        assertTrue(small.toBytes().length < withDead.toBytes().length - 40 * (64 + 1 + 64) * 4);
    }

    @Test
    void keepRatioOneIsBitExactAndInt8KeepsAccuracy() throws Exception {
        CandidateBuilder b = new CandidateBuilder(mlp);
        OnnxModel same = b.build(Genome.of(Map.of(b.groups().get(0).id(), 1.0, b.groups().get(1).id(), 1.0), Set.of()));
        var in = test.samples().get(0);
        assertArrayEquals(logits(mlp, in), logits(same, in));

        Set<String> all = new TreeSet<>();
        b.analysis().quantizable().forEach(q -> all.add(q.id()));
        OnnxModel int8 = b.build(Genome.of(Map.of(), all));
        assertTrue(int8.proto().getGraph().getNodeList().stream().allMatch(n -> !n.getOpType().equals("Gemm")));
        QualityEvaluator qe = new QualityEvaluator(mlp, test, OrtRunner.RunnerSettings.cpu(1));
        QualityReport base = qe.evaluate(mlp), q = qe.evaluate(int8);
        assertEquals(1.0, base.fidelity());
        assertEquals(527 / 540.0, base.accuracy(), 1e-9, "the sample README's figure");
        assertTrue(q.accuracy() > base.accuracy() - 0.02, "int8 accuracy " + q.accuracy());
        assertTrue(q.fidelity() > 0.97, "top-1 agreement " + q.fidelity());

        // Half the hidden units by magnitude: still a working classifier, and physically smaller.
        OnnxModel half = b.build(Genome.of(Map.of(b.groups().get(0).id(), 0.5, b.groups().get(1).id(), 0.5), Set.of()));
        assertTrue(half.toBytes().length < mlp.toBytes().length * 0.6);
        assertTrue(qe.evaluate(half).accuracy() > 0.5);
    }
}
