package dev.lathe.explain;

import dev.lathe.TestStudies;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.model.InputShapes;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two candidates of the digits-MLP sample study, rebuilt from their genomes and compared node by node: the
 * layer whose precision differs, the pruned group's width before → after, the nodes only one has; a candidate
 * compared with itself differs nowhere.
 */
@Tag("slow")
class CandidateDiffTest {
    @TempDir
    Path dir;

    @Test
    void digitsCnnStaticInt8AgainstAnotherPruning() throws Exception {
        Path study = dir.resolve("cnn.sqlite");
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            new dev.lathe.search.SearchRunner(dev.lathe.TestModels.digitsCnn(), TestStudies.config(2, 1, 1, 1, 2,
                    dev.lathe.TestModels.samples().resolve("digits-cnn/test.csv").toAbsolutePath().toString(), null, true), store,
                    new dev.lathe.search.SearchRunner.Listener() {}).run();
        }
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            // A: the first two convolutions at half width, both int8_static. B: the first at a quarter, the third at half, the second and third
            // int8_static, the Gemm int8.
            long a = store.addPending(GenomeJson.write(Genome.withPrecisions(Map.of("conv:/net/net.0/Conv", 0.5, "conv:/net/net.3/Conv", 0.5),
                    Map.of("/net/net.0/Conv", Precision.INT8_STATIC, "/net/net.3/Conv", Precision.INT8_STATIC))), "test", 0).id();
            long b = store.addPending(GenomeJson.write(Genome.withPrecisions(Map.of("conv:/net/net.0/Conv", 0.25, "conv:/net/net.3/Conv", 0.5,
                    "conv:/net/net.7/Conv", 0.5), Map.of("/net/net.3/Conv", Precision.INT8_STATIC, "/net/net.7/Conv", Precision.INT8_STATIC,
                    "/net/net.12/Gemm", Precision.INT8))), "test", 0).id();
            StudyCandidates c = StudyCandidates.of(store);
            CandidateDiff diff = GraphSubject.compared(c, a, b, c.config().data().inputShapes()).diff();
            System.out.println("digits CNN #" + a + " vs #" + b + ": " + diff.counts());

            // Its weight is 32×16×3×3 in A and 32×8×3×3 in B: the input width, read through the static layer's DequantizeLinear in both.
            assertEquals("16 → 8", diff.difference("/net/net.3/Conv").badge());
            assertEquals("64 → 32 · float → int8_static", diff.difference("/net/net.7/Conv").badge(), "its output width, and its precision");
            assertEquals("16 → 8 · int8_static → float", diff.difference("/net/net.0/Conv").badge());
            assertEquals("kept → folded", diff.difference("/net/net.8/BatchNormalization").badge(), "B's static Conv computes it");
            assertEquals("folded → kept", diff.difference("/net/net.1/BatchNormalization").badge(), "A's static Conv computes it");
            // Both quantize the second convolution's input and weight: those nodes are the same in both, whatever their numbers.
            for (var e : diff.differences().entrySet())
                assertFalse(e.getKey().contains("net.3_Conv_w_dq") || e.getKey().contains("net.2_Relu_output_0_"), "the same in both: " + e);
            assertNull(diff.difference("/net/net.6/MaxPool"), "nothing differs at the pool (8 channels of 16 → 8 is its input, not a weight)");
        }
    }

    @Test
    void marksWidthPrecisionAndNodesOnlyOneHas() throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            StudyCandidates c = StudyCandidates.of(store);
            GroupFinder.Result analysis = GroupFinder.analyze(c.original());
            List<String> layers = analysis.quantizable().stream().map(QuantizableLayer::id).toList();
            String group = analysis.groups().getFirst().id();
            int units = analysis.groups().getFirst().size();
            assertTrue(layers.size() >= 2, layers.toString());
            // A: the group at half width, the first layer int8; B: the group whole, the first two layers int8.
            long a = store.addPending(GenomeJson.write(Genome.withPrecisions(Map.of(group, 0.5), Map.of(layers.get(0), Precision.INT8))), "test", 0).id();
            long b = store.addPending(GenomeJson.write(Genome.withPrecisions(Map.of(), Map.of(layers.get(0), Precision.INT8, layers.get(1), Precision.INT8))), "test", 0).id();

            GraphSubject s = GraphSubject.compared(c, a, b, c.config().data().inputShapes());
            CandidateDiff diff = s.diff();
            assertEquals("candidate #" + a, diff.before());
            assertEquals("candidate #" + b, diff.after());
            assertEquals(diff.display(), s.display(), "the view draws the diff's graph");

            CandidateDiff.Difference second = diff.difference(layers.get(1));
            assertNotNull(second, "the layer whose precision differs is marked: " + diff.differences().keySet());
            assertTrue(second.kinds().contains(CandidateDiff.Kind.PRECISION), second.toString());
            assertTrue(second.badge().contains("float → int8"), second.badge());
            CandidateDiff.Difference first = diff.difference(layers.get(0));
            assertTrue(first == null || !first.kinds().contains(CandidateDiff.Kind.PRECISION), "int8 in both: " + first);
            for (String l : layers.subList(2, layers.size())) {
                CandidateDiff.Difference d = diff.difference(l);
                assertTrue(d == null || !d.kinds().contains(CandidateDiff.Kind.PRECISION), l + " is float in both: " + d);
            }

            List<CandidateDiff.Difference> widths = diff.differences().values().stream().filter(d -> d.kinds().contains(CandidateDiff.Kind.WIDTH)).toList();
            assertFalse(widths.isEmpty(), "the group's width differs: " + diff.differences());
            String half = Integer.toString(units / 2), whole = Integer.toString(units);
            assertTrue(widths.stream().anyMatch(d -> d.badge().contains(half + " → " + whole)), "A has " + half + " of " + whole + " units, B all: " + widths);

            // The dynamic quantization of the second layer adds nodes only B has; they are in B's graph.
            assertTrue(diff.counts().getOrDefault(CandidateDiff.Kind.ONLY_AFTER, 0) > 0, diff.counts().toString());
            for (var e : diff.differences().entrySet())
                assertTrue(s.display().getGraph().getNodeList().stream().anyMatch(n -> n.getName().equals(e.getKey())), "drawn: " + e.getKey());
            System.out.println("digits MLP #" + a + " vs #" + b + ": " + diff.counts());

            CandidateDiff same = GraphSubject.compared(c, a, a, c.config().data().inputShapes()).diff();
            assertEquals(Map.of(), same.differences(), "a candidate does not differ from itself");
        }
    }
}
