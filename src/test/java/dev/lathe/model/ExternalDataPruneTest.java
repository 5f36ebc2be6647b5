package dev.lathe.model;

import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.transform.pruning.StructuredPruner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model whose weights are in a data file beside it, as {@link LargeModelMaker} writes the 2.28 GB one (here small):
 * it loads with the real parameter count, ONNX Runtime reading it from its path computes what Lathe's in-memory copy
 * does, and pruning it (weights read in place, the kept slice written once) gives the MLP computed here by hand.
 */
class ExternalDataPruneTest {
    @TempDir
    Path dir;

    @Test
    void aModelWithExternalWeightsLoadsRunsByPathAndPrunesToTheHandComputedMlp() throws Exception {
        int width = 32, hidden = 48;
        Path file = LargeModelMaker.write(dir.resolve("mlp"), width, hidden);
        assertTrue(Files.size(file) < 1000 && Files.size(file.resolveSibling("model.onnx.data")) == 4L * (2 * width * hidden + hidden + width));
        OnnxModel m = OnnxModel.load(file);
        assertEquals(2L * width * hidden + hidden + width, m.parameterCount());
        assertTrue(m.totalInitializerBytes() > m.fileSize(), "the weights were not in the model file");

        float[] x = new float[2 * width];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37);
        Map<String, TensorData> in = Map.of("x", TensorData.ofFloats(new long[] {2, width}, x));
        try (OrtRunner byPath = OrtRunner.silent(null, file, OrtRunner.RunnerSettings.cpu(1));
             OrtRunner inMemory = OrtRunner.of(m, OrtRunner.RunnerSettings.cpu(1))) {
            assertArrayEquals(byPath.run(in).get("y").floats(), inMemory.run(in).get("y").floats(), "the file read by ONNX Runtime and Lathe's copy agree");
        }

        PrunableGroup units = GroupFinder.analyze(m).group("mlp:fc1").orElseThrow();
        assertEquals(hidden, units.size());
        int[] kept = IntStream.range(0, hidden).filter(u -> u % 2 == 1).toArray();
        MutableGraph g = MutableGraph.of(m);
        StructuredPruner.prune(g, units, kept);
        Path out = dir.resolve("pruned/model.onnx");
        OnnxModel.of(g.toModel()).save(out);
        OnnxModel pruned = OnnxModel.load(out);
        assertEquals(2L * width * kept.length + kept.length + width, pruned.parameterCount());

        float[] w1 = weight(m, "w1"), b1 = weight(m, "b1"), w2 = weight(m, "w2"), b2 = weight(m, "b2");
        float[] expected = new float[2 * width];
        for (int r = 0; r < 2; r++)
            for (int o = 0; o < width; o++) {
                double y = b2[o];
                for (int u : kept) {
                    double h = b1[u];
                    for (int k = 0; k < width; k++) h += x[r * width + k] * w1[k * hidden + u];
                    y += Math.max(0, h) * w2[u * width + o];
                }
                expected[r * width + o] = (float) y;
            }
        try (OrtRunner r = OrtRunner.of(pruned, OrtRunner.RunnerSettings.cpu(1))) {
            float[] got = r.run(in).get("y").floats();
            for (int i = 0; i < got.length; i++) assertEquals(expected[i], got[i], 1e-4, "output " + i);
        }
    }

    private static float[] weight(OnnxModel m, String name) {
        return Tensors.toFloats(m.proto().getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow());
    }
}
