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
