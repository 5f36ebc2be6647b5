package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Precision genes: which precisions each layer is offered, and how sensitivity seeds and biases the search. */
class SearchSpaceSensitivityTest {
    static final GroupFinder.Result MINILM = GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.minilm())));

    @Test
    void layersAreOfferedOnlyThePrecisionsTheirOperatorTakes() {
        var cnn = GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.digitsCnn())));
        SearchSpace space = new SearchSpace(cnn, PrecisionChoices.DEFAULT, Map.of());
        assertEquals(4, space.layers().size());
        for (QuantizableLayer l : space.layers())
            assertEquals(l.convolution() ? List.of(Precision.INT8_STATIC) : List.of(Precision.INT8), space.offered(l), l.id());
        SearchSpace wide = new SearchSpace(cnn, PrecisionChoices.of(List.of(Precision.INT8, Precision.INT4_B32, Precision.FP16)), Map.of());
        Random rnd = new Random(3);
        for (int i = 0; i < 200; i++) {
            Genome g = wide.random(rnd);
            g.precisions().forEach((layer, p) -> assertTrue(p.supports(cnn.quantizable().stream().filter(q -> q.id().equals(layer)).findFirst().orElseThrow().opType())));
            assertEquals(g, wide.decode(wide.encode(g)), "round trip of " + GenomeJson.write(g));
        }
        assertEquals(PrecisionChoices.DEFAULT, PrecisionChoices.fromIds(PrecisionChoices.DEFAULT.toIds()));
        assertThrows(IllegalArgumentException.class, () -> new PrecisionChoices(Map.of("Conv", List.of(Precision.INT8))));
    }

    @Tag("minilm")
    @Test
    void sensitiveLayersAreQuantizedLessOftenAndSparedInTheSeeds() {
        Map<String, Double> drop = new HashMap<>();
        List<QuantizableLayer> layers = MINILM.quantizable();
        for (int i = 0; i < layers.size(); i++) drop.put(layers.get(i).id(), i * 0.001); // the last layers hurt most
        SearchSpace space = new SearchSpace(MINILM, PrecisionChoices.DEFAULT, drop);
        String robust = layers.get(0).id(), sensitive = layers.get(layers.size() - 1).id();
        int robustQuantized = 0, sensitiveQuantized = 0;
        Random rnd = new Random(11);
        for (int i = 0; i < 2000; i++) {
            Genome g = space.random(rnd);
            if (g.precision(robust) != null) robustQuantized++;
            if (g.precision(sensitive) != null) sensitiveQuantized++;
        }
        // Thresholds 0.3 and 0.9: about 70% against 10% of random genomes.
        assertEquals(0.7, robustQuantized / 2000.0, 0.05);
        assertEquals(0.1, sensitiveQuantized / 2000.0, 0.03);

        List<Genome> seeds = space.seeds();
        assertTrue(seeds.get(0).isOriginal());
        assertEquals(layers.size(), seeds.get(1).precisions().size(), "every layer int8");
        // Then float32 kept for the layers that lose most quality per weight: the densest alone, then within 5%
        // and 15% of all weights, each set a prefix of the ranking.
        List<QuantizableLayer> byDensity = layers.stream().filter(l -> drop.get(l.id()) > 0)
                .sorted(java.util.Comparator.comparingDouble((QuantizableLayer l) -> -drop.get(l.id()) / ((double) l.k() * l.n()))).toList();
        double total = layers.stream().mapToDouble(l -> (double) l.k() * l.n()).sum();
        int previous = 0;
        for (int s = 2; s <= 4; s++) {
            Genome g = seeds.get(s);
            List<QuantizableLayer> spared = layers.stream().filter(l -> g.precision(l.id()) == null).toList();
            assertEquals(new java.util.HashSet<>(byDensity.subList(0, spared.size())), new java.util.HashSet<>(spared), "seed " + s + " spares a prefix");
            double share = spared.stream().mapToDouble(l -> (double) l.k() * l.n()).sum() / total;
            assertTrue(spared.size() > previous, "each seed spares more");
            assertTrue(s == 2 ? spared.size() == 1 : share <= (s == 3 ? 0.05 : 0.15), "seed " + s + " spares " + share);
            previous = spared.size();
        }
        assertNull(seeds.get(2).precision(byDensity.get(0).id()));
        assertNotNull(seeds.get(4).precision(robust));
    }

    @Tag("minilm")
    @Test
    void withoutSensitivityTheGeneIsTheOldInt8Gene() {
        SearchSpace space = new SearchSpace(MINILM);
        double[] x = new double[space.dimensions()];
        int first = space.groups().size();
        x[first] = 0.49;
        x[first + 1] = 0.5;
        Genome g = space.decode(x);
        assertNull(g.precision(space.layers().get(0).id()));
        assertEquals(Precision.INT8, g.precision(space.layers().get(1).id()));
        assertEquals(0.75, space.encode(g)[first + 1], 1e-12);
        assertEquals(0.25, space.encode(g)[first], 1e-12);
    }

    @Test
    void aSearchMeasuresSensitivityOnceAndKeepsItInTheStudy(@TempDir Path dir) throws Exception {
        StudyConfig s = dev.lathe.TestStudies.config(5, 1, 1, 1, 5, TestModels.samples().resolve("digits-cnn/test.csv").toAbsolutePath().toString(),
                null, true).with(dev.lathe.config.PrecisionConfig.of(PrecisionChoices.DEFAULT, dev.lathe.transform.quantization.QuantizationOptions.DEFAULT, 16));
        List<String> messages = new java.util.ArrayList<>();
        SearchRunner.Listener listener = new SearchRunner.Listener() {
            @Override
            public void message(String text) { messages.add(text); }
        };
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("cnn.sqlite"))) {
            new SearchRunner(TestModels.digitsCnn(), s, store, listener).run();
            var report = new com.fasterxml.jackson.databind.ObjectMapper().readValue(store.sensitivity().orElseThrow(), SensitivityAnalysis.Report.class);
            assertEquals(4, report.layers().size(), "three convolutions at int8_static and the classifier at int8");
            assertTrue(report.layers().stream().allMatch(SensitivityAnalysis.LayerResult::measured), report.toString());
            assertEquals(16, report.samples());
            var second = store.all().get(1);
            Genome all = GenomeJson.read(second.genomeJson());
            assertEquals(3, all.layersAt(Precision.INT8_STATIC).size(), "the second seed quantizes every layer: " + second.genomeJson());
            assertTrue(second.isDone(), second.error());
            assertTrue(second.quality() > 0.95, "static int8 CNN accuracy " + second.quality());
            assertTrue(messages.stream().anyMatch(m -> m.startsWith("Most sensitive layers")), messages.toString());
        }
        messages.clear();
        try (SqliteStudyStorage store = SqliteStudyStorage.open(dir.resolve("cnn.sqlite"))) {
            new SearchRunner(TestModels.digitsCnn(), s.withBudget(6), store, listener).run();
            assertTrue(messages.stream().noneMatch(m -> m.startsWith("Measuring each layer")), "resumed studies reuse the stored figures");
        }
    }
}
