package dev.lathe.search;

import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.PredictorReport;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

@org.junit.jupiter.api.Tag("slow")
class PredictorStrategyTest {
    private static final SearchSpace SPACE = new SearchSpace(GroupFinder.analyze(OnnxModel.load(TestModels.digitsCnn())));

    /** A stand-in for measurement: fewer channels and more int8 layers are faster but worse, with noise fixed per genome. */
    private static double[] measure(Genome g) {
        double kept = SPACE.groups().stream().mapToDouble(gr -> g.keepRatio(gr.id())).sum() / SPACE.groups().size();
        double int8 = (double) g.precisions().size() / SPACE.layers().size();
        double noise = new Random(GenomeJson.write(g).hashCode()).nextGaussian() * 0.01;
        return new double[] {(kept * (1 - 0.5 * int8) + 0.05) * (1 + noise), -(0.6 + 0.4 * kept * kept - 0.05 * int8)};
    }

    private record Run(List<String> asked, List<PredictorReport> reports) {}

    private static Run run(long seed, int generations) {
        List<PredictorReport> reports = new ArrayList<>();
        PredictorStrategy s = new PredictorStrategy(SPACE, 12, seed, reports::add, m -> {});
        List<String> asked = new ArrayList<>();
        Set<String> measured = new HashSet<>();
        for (int gen = 0; gen < generations; gen++)
            for (Genome g : s.ask(12)) {
                String key = GenomeJson.write(g);
                assertFalse(measured.contains(key), "generation " + gen + " proposed a measured genome: " + key);
                asked.add(key);
                measured.add(key);
                s.tell(g, measure(g));
            }
        return new Run(asked, reports);
    }

    @Test
    void neverProposesAMeasuredGenomeAndIsDeterministicForASeed() {
        Run a = run(5, 4), b = run(5, 4);
        assertEquals(a.asked(), b.asked());
        assertEquals(48, a.asked().size());
        assertEquals("warm-up", a.reports().get(0).mode());
        PredictorReport later = a.reports().get(3);
        assertEquals("predicted", later.mode(), later.describe());
        assertTrue(later.cvTauCost() > PredictorStrategy.MIN_TAU && later.batchSize() > 0, later.describe());
        assertTrue(later.predictedEvaluations() >= PredictorStrategy.INNER_EVALUATIONS, later.describe());
        assertNotNull(later.batchTauCost(), "the batch measured since is scored out of sample");
    }

    @Test
    void resumedItRefitsFromWhatWasMeasured() {
        Run first = run(5, 2);
        List<PredictorReport> reports = new ArrayList<>();
        PredictorStrategy resumed = new PredictorStrategy(SPACE, 12, 5, reports::add, m -> {});
        for (String key : first.asked()) {
            Genome g = GenomeJson.read(key);
            resumed.tell(g, measure(g));
        }
        List<Genome> next = resumed.ask(12);
        assertEquals(24, reports.get(0).measured());
        assertEquals("predicted", reports.get(0).mode());
        for (Genome g : next) assertFalse(first.asked().contains(GenomeJson.write(g)));
    }

    @Test
    void fallsBackToPlainNsga2WhenThePredictorsCannotRank() {
        List<PredictorReport> reports = new ArrayList<>();
        List<String> log = new ArrayList<>();
        PredictorStrategy s = new PredictorStrategy(SPACE, 12, 3, reports::add, log::add);
        Random noise = new Random(1);
        for (int gen = 0; gen < 2; gen++)
            for (Genome g : s.ask(12)) s.tell(g, new double[] {1 + noise.nextDouble(), -0.5}); // noise and a constant: nothing to rank
        s.ask(12);
        assertEquals("fallback", reports.get(2).mode(), reports.get(2).describe());
        assertTrue(log.stream().anyMatch(m -> m.contains("plain NSGA-II this generation")), String.join("\n", log));
    }

    @Test
    void aModelThatCannotRankGivesWayToItsPriorWhileTheOtherSteers() {
        List<PredictorReport> reports = new ArrayList<>();
        List<String> log = new ArrayList<>();
        PredictorStrategy s = new PredictorStrategy(SPACE, 12, 3, reports::add, log::add);
        Random noise = new Random(1);
        for (int gen = 0; gen < 2; gen++)
            for (Genome g : s.ask(12)) s.tell(g, new double[] {1 + noise.nextDouble(), measure(g)[1]}); // cost noise, quality clean
        List<Genome> next = s.ask(12);
        PredictorReport r = reports.get(2);
        assertTrue(r.cvTauCost() < PredictorStrategy.MIN_TAU && r.cvTauQuality() > PredictorStrategy.MIN_TAU, r.describe());
        assertEquals("predicted", r.mode(), r.describe());
        assertEquals(12, next.size());
        assertTrue(log.stream().anyMatch(m -> m.contains("cost") && m.contains("its prior stands in")), String.join("\n", log));
    }
}
