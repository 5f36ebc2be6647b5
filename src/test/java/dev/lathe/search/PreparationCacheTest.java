package dev.lathe.search;

import dev.lathe.TestModels;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.QuantizationOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Candidates built from cached preparation (statistics and rankings read back from the cache folder) and through the
 * refit cache are byte for byte the candidates a fresh builder makes; an entry that is altered or made for other
 * inputs is refused and gathered again.
 */
class PreparationCacheTest {
    @TempDir Path dir;

    private static OnnxModel cnn() throws Exception { return OnnxModel.load(TestModels.digitsCnn()); }

    private static List<Map<String, TensorData>> calibration(OnnxModel m) {
        return EvaluationData.resolve(m, null, null, InputShapes.of(1, 128)).calibration().samples();
    }

    /** Genomes over every group at a few ratios, repeating kept sets (so the refit cache is used) and mixing precisions. */
    private static List<Genome> genomes(CandidateBuilder b) {
        List<Genome> out = new ArrayList<>();
        double[][] ratios = {{0.5, 0.75}, {0.75, 0.5}, {0.5, 0.5}, {0.5, 0.75}};
        for (double[] r : ratios) {
            Map<String, Double> keep = new LinkedHashMap<>();
            for (int i = 0; i < b.groups().size(); i++) keep.put(b.groups().get(i).id(), r[i % 2]);
            out.add(Genome.of(keep, java.util.Set.of()));
        }
        String layer = b.analysis().quantizable().stream().filter(q -> Precision.INT8.supports(q.opType())).findFirst().orElseThrow().id();
        out.add(Genome.withPrecisions(Map.of(b.groups().get(0).id(), 0.5), Map.of(layer, Precision.INT8)));
        return out;
    }

    @Test
    void aBuilderFromTheCacheBuildsByteIdenticalCandidates() throws Exception {
        OnnxModel m = cnn();
        var samples = calibration(m);
        CandidateBuilder fresh = CandidateBuilder.create(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples);
        List<String> log = new ArrayList<>();
        PreparationCache cache = new PreparationCache(dir);
        CandidateBuilder first = cache.builder(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples, log::add);
        assertEquals(1, Files.list(dir).filter(p -> p.toString().endsWith(".stats")).count(), "the first builder stores its preparation");
        CandidateBuilder cached = cache.builder(OnnxModel.load(TestModels.digitsCnn()), PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples, log::add);
        assertTrue(log.stream().anyMatch(l -> l.contains("read from the preparation cache")), log.toString());
        assertFalse(cached.rankings().isEmpty(), "rankings travel with the statistics");
        assertEquals(fresh.rankings().keySet(), cached.rankings().keySet());

        List<Genome> genomes = genomes(fresh);
        for (Genome g : genomes) {
            byte[] expected = CandidateBuilder.create(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples).build(g).toBytes();
            assertArrayEquals(expected, fresh.build(g).toBytes(), "refit cache of a reused builder: " + g);
            assertArrayEquals(expected, cached.build(g).toBytes(), "builder from the cache: " + g);
            assertArrayEquals(expected, first.build(g).toBytes(), "builder that wrote the cache: " + g);
        }
        assertTrue(fresh.refitCounts()[0] > 0, "repeated kept sets reuse refits: " + java.util.Arrays.toString(fresh.refitCounts()));
    }

    /**
     * The uncached path written out: rank on the original, refit every group's consumer in turn on one graph, then
     * slice; a builder (refits made ahead in parallel, then reused) writes the same bytes.
     */
    @Test
    void cachedAndParallelRefitsEqualTheSequentialUncachedBuild() throws Exception {
        OnnxModel m = cnn();
        var samples = calibration(m);
        CandidateBuilder builder = CandidateBuilder.create(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples);
        var stats = dev.lathe.transform.pruning.ActivationStats.collect(m, builder.groups(), samples.subList(0, Math.min(samples.size(), CandidateBuilder.MAX_CALIBRATION_SAMPLES)));
        assertTrue(builder.groups().stream().filter(g -> g.consumer() != null).map(g -> g.consumer().weight()).distinct().count() >= 2,
                "at least two groups with their own consumers, so refits run side by side");
        for (Genome g : genomes(builder).subList(0, 4)) {
            var plan = builder.plan(g).keptUnits();
            var graph = dev.lathe.model.MutableGraph.of(m);
            plan.forEach((id, units) -> dev.lathe.transform.pruning.LeastSquaresRepair.repair(graph, builder.analysis().group(id).orElseThrow(), units, stats));
            plan.forEach((id, units) -> dev.lathe.transform.pruning.StructuredPruner.prune(graph, builder.analysis().group(id).orElseThrow(), units));
            assertArrayEquals(OnnxModel.of(graph.toModel()).toBytes(), builder.build(g).toBytes(), "genome " + g);
        }
        assertTrue(builder.refitCounts()[0] > 0, java.util.Arrays.toString(builder.refitCounts()));
    }

    @Test
    void anAlteredOrForeignEntryIsRefusedAndGatheredAgain() throws Exception {
        OnnxModel m = cnn();
        var samples = calibration(m);
        PreparationCache cache = new PreparationCache(dir);
        cache.builder(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples, s -> {});
        Path entry = Files.list(dir).filter(p -> p.toString().endsWith(".stats")).findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(entry);
        bytes[bytes.length - 3] ^= 0x5A; // one altered number in the statistics
        Files.write(entry, bytes);

        List<String> log = new ArrayList<>();
        CandidateBuilder again = cache.builder(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples, log::add);
        assertTrue(log.stream().anyMatch(l -> l.contains("Refused") && l.contains("checksum") && l.contains(entry.getFileName().toString())), log.toString());
        Genome g = genomes(again).get(0);
        byte[] expected = CandidateBuilder.create(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples).build(g).toBytes();
        assertArrayEquals(expected, again.build(g).toBytes(), "gathered again, not read from the altered entry");
        // ...and the entry was rewritten whole: the next builder reads it without complaint.
        List<String> next = new ArrayList<>();
        cache.builder(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, samples, next::add);
        assertTrue(next.stream().anyMatch(l -> l.contains("read from the preparation cache")), next.toString());

        // Other calibration data is another key; an entry copied under that key is refused as made for other inputs.
        var fewer = samples.subList(0, samples.size() / 2);
        String otherKey = PreparationCache.statisticsKey(m, PruningOptions.CALIBRATED, fewer);
        assertNotEquals(entry.getFileName().toString(), otherKey + ".stats");
        Files.copy(entry, dir.resolve(otherKey + ".stats"));
        List<String> foreign = new ArrayList<>();
        CandidateBuilder other = cache.builder(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, fewer, foreign::add);
        assertTrue(foreign.stream().anyMatch(l -> l.contains("Refused") && l.contains("other inputs")), foreign.toString());
        assertArrayEquals(CandidateBuilder.create(m, PruningOptions.CALIBRATED, QuantizationOptions.DEFAULT, fewer).build(g).toBytes(),
                other.build(g).toBytes());
    }
}
