package dev.lathe.export.searchdistill;

import dev.lathe.search.SearchStrategy;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Which of a generation's candidates {@code search --distill-share} distils. */
class DistillShareStrategyTest {
    @Test
    void handsEachWholeGenerationOnceWithItsQuotaAndNotTheReplay() {
        var original = measured(1.0, 0, -1.0);
        List<Integer> quotas = new java.util.ArrayList<>();
        List<List<DistillShareStrategy.Measured>> handed = new java.util.ArrayList<>();
        Genome[] proposals = {measured(0.3, 1, -0.9).genome(), measured(0.5, 2, -0.95).genome(), measured(0.6, 3, -1.0).genome()};
        SearchStrategy inner = new SearchStrategy() {
            public String id() { return "fixed"; }
            public List<Genome> ask(int count) { return List.of(proposals); }
            public void tell(Genome g, double[] o, double[] c) {}
        };
        DistillShareStrategy s = new DistillShareStrategy(inner, 0.2, (ranked, quota) -> {
            handed.add(ranked);
            quotas.add(quota);
        });
        s.tell(original.genome(), original.objectives()); // a resumed study's replay: told before any ask
        assertTrue(handed.isEmpty());
        assertEquals(List.of(proposals), s.ask(3));
        s.tell(proposals[0], new double[] {0.3, -0.9});
        s.tell(proposals[1], new double[] {0.5, -0.95});
        assertTrue(handed.isEmpty(), "not before the generation is complete");
        s.tell(proposals[2], new double[] {0.6, -1.0});
        assertEquals(List.of(1), quotas, "a fifth of three, rounded up");
        assertEquals(List.of(proposals[0], proposals[1]), handed.getFirst().stream().map(DistillShareStrategy.Measured::genome).toList(),
                "the lossless one is left out; the one expected to gain most at the bars first");
    }

    @Test
    void steeringTellsTheInnerStrategyTheDistilledQualityOnceTheGenerationIsDistilled() {
        Genome a = measured(0.3, 1, 0).genome(), b = measured(0.5, 2, 0).genome();
        List<String> told = new java.util.ArrayList<>();
        SearchStrategy inner = new SearchStrategy() {
            public String id() { return "fixed"; }
            public List<Genome> ask(int count) { return List.of(a, b); }
            public void tell(Genome g, double[] o, double[] c) { told.add((g == a ? "a" : "b") + " " + o[1]); }
        };
        java.util.Map<Genome, Double> distilled = new java.util.HashMap<>();
        DistillShareStrategy.Step step = new DistillShareStrategy.Step() {
            public void distil(List<DistillShareStrategy.Measured> ranked, int quota) {
                assertTrue(told.isEmpty(), "the inner strategy hears nothing before the generation's distillation");
                distilled.put(ranked.getFirst().genome(), 0.97);
            }
            public Double distilledQuality(Genome g) { return distilled.get(g); }
        };
        DistillShareStrategy s = new DistillShareStrategy(inner, 0.5, step, true);
        s.ask(2);
        s.tell(a, new double[] {0.3, -0.9});
        s.tell(b, new double[] {0.5, -0.99});
        assertEquals(List.of("a -0.97", "b -0.99"), told, "a distilled from 0.90 to 0.97 is told 0.97; b as measured");
    }

    /**
     * The runner tells the genome it read back from the study, whose ratios the JSON rounded to 1e-6 and whose
     * ratios of 1 it left out; and a proposal the study already holds is never measured, so never told. Before the
     * fix neither generation below ever completed, and a MiniLM search with --distill-share distilled nothing.
     */
    @Test
    void aGenerationCompletesWhenItsGenomesComeBackFromTheStudyOrWereMeasuredBefore() {
        Genome known = measured(0.4, 9, -0.9).genome();
        Genome unrounded = new Genome(new TreeMap<>(Map.of("g1", 71.0 / 96, "g2", 1.0)), new TreeMap<>(), new TreeSet<>());
        Genome fresh = measured(0.5, 2, -0.95).genome();
        SearchStrategy inner = new SearchStrategy() {
            public String id() { return "fixed"; }
            public List<Genome> ask(int count) { return List.of(unrounded, known, fresh); }
            public void tell(Genome g, double[] o, double[] c) {}
        };
        List<Integer> quotas = new java.util.ArrayList<>();
        DistillShareStrategy s = new DistillShareStrategy(inner, 0.5, (ranked, quota) -> quotas.add(quota));
        s.tell(measured(1.0, 0, -1.0).genome(), new double[] {1.0, -1.0});
        s.tell(known, new double[] {0.4, -0.9});
        s.ask(3);
        Genome readBack = GenomeJson.read(GenomeJson.write(unrounded));
        assertNotEquals(unrounded, readBack, "the premise: the study's copy is not equal to the proposal");
        s.tell(readBack, new double[] {0.3, -0.8});
        assertTrue(quotas.isEmpty(), "not before the generation is complete");
        s.tell(fresh, new double[] {0.5, -0.95});
        assertEquals(List.of(1), quotas, "the two measured of the generation, half of them rounded up");
    }

    private static DistillShareStrategy.Measured measured(double cost, int tag, double negatedQuality) {
        Genome g = new Genome(new TreeMap<>(Map.of("g" + tag, 0.5)), new TreeMap<>(), new TreeSet<>());
        return new DistillShareStrategy.Measured(g, new double[] {cost, negatedQuality});
    }
}
