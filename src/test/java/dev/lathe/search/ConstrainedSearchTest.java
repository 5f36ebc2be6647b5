package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.KeepRanges;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.Constraints;
import dev.lathe.TestModels;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uma.jmetal.solution.doublesolution.DoubleSolution;
import org.uma.jmetal.solution.doublesolution.impl.DefaultDoubleSolution;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Constraints end to end: Deb's rule in the ranking, the study's front of feasible candidates, the settings' JSON. */
class ConstrainedSearchTest {
    @TempDir
    Path dir;

    /**
     * The digits MLP scores 527/540 = 0.9759; a bound of 0.975 holds for the original and light variants and not for
     * heavy pruning (the seed keeping a quarter of every group scores far below). The reopened study keeps the bound,
     * its front holds only candidates meeting it, and the others are marked with the broken bound.
     */
    @Tag("slow")
    @Test
    void theFrontHoldsOnlyCandidatesMeetingAQualityBound() throws Exception {
        Path file = dir.resolve("bounded.sqlite");
        Constraints bound = new Constraints(null, null, null, 0.975);
        StudyConfig s = SearchRunnerTest.quick(10).with(dev.lathe.config.PrecisionConfig.of(PrecisionChoices.DEFAULT, dev.lathe.transform.quantization.QuantizationOptions.DEFAULT, 0))
                .with(bound);
        List<String> log = new ArrayList<>();
        try (SqliteStudyStorage store = SqliteStudyStorage.open(file)) {
            new SearchRunner(TestModels.digitsMlp(), s, store, new SearchRunner.Listener() {
                @Override
                public void message(String text) { log.add(text); }
            }).run();
        }
        assertTrue(log.contains("Constraints: quality ≥ 0.975"), String.join("\n", log));
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(file)) {
            Constraints stored = StudyConfig.of(store).orElseThrow().constraints();
            assertEquals(bound, stored);
            List<CandidateRecord> all = store.all();
            Study study = Study.load(store, Objective.LATENCY, stored);
            List<CandidateRecord> front = study.front();
            assertFalse(front.isEmpty());
            for (CandidateRecord c : front) assertTrue(c.quality() >= 0.975, "front candidate #" + c.id() + " scores " + c.quality());
            List<CandidateRecord> infeasible = all.stream().filter(c -> c.isDone() && !study.feasible(c)).toList();
            assertFalse(infeasible.isEmpty(), () -> "heavy pruning breaks the bound: " + all.stream().map(CandidateRecord::quality).toList());
            for (CandidateRecord c : infeasible) {
                assertEquals(List.of("quality"), study.violations(c).stream().map(Constraints.Violation::name).toList());
                assertTrue(study.describeViolations(c).matches("quality 0\\.\\d{4} < 0\\.975"), study.describeViolations(c));
            }
        }
    }

    /** Deb's rule on hand-made points: feasible before infeasible whatever the objectives, then smaller total violation. */
    @Test
    void constrainedDominanceRanksFeasibleFirstThenBySmallerViolation() {
        DoubleSolution fastButInfeasible = point(1, -0.99, -0.02, 0.5);   // violation 0.02
        DoubleSolution slowFeasible = point(10, -0.97, 0.1, 0.0);
        DoubleSolution fastFeasible = point(5, -0.95, 0.2, 0.3);
        DoubleSolution badlyInfeasible = point(1, -1.0, -0.5, -0.5);     // violation 1.0
        var ranking = Nsga2Strategy.ranking();
        ranking.compute(new ArrayList<>(List.of(fastButInfeasible, slowFeasible, fastFeasible, badlyInfeasible)));
        // Identity: jMetal solutions compare equal by their (here absent) variables.
        List<DoubleSolution> first = ranking.getSubFront(0);
        assertEquals(2, first.size());
        assertTrue(first.stream().anyMatch(x -> x == slowFeasible) && first.stream().anyMatch(x -> x == fastFeasible), "feasible points trade off among themselves");
        assertSame(fastButInfeasible, ranking.getSubFront(1).getFirst());
        assertSame(badlyInfeasible, ranking.getSubFront(2).getFirst());
        assertEquals(3, ranking.getNumberOfSubFronts());

        // Without constraints the fast infeasible points would dominate both feasible ones.
        var plain = new org.uma.jmetal.util.ranking.impl.FastNonDominatedSortRanking<DoubleSolution>();
        plain.compute(new ArrayList<>(List.of(point(1, -0.99), point(10, -0.97), point(5, -0.95), point(1, -1.0))));
        assertEquals(1, plain.getSubFront(0).size());
    }

    /** A candidate's constraint values in jMetal's form: relative shortfalls, negative only where a bound is broken. */
    @Test
    void constraintValuesAreRelativeShortfalls() {
        Constraints c = new Constraints(8.0, 100.0, 1.0, 0.98);
        CandidateRecord r = new CandidateRecord(1, "{}", "t", 0, dev.lathe.study.CandidateStatus.DONE, 10.0, 11.0, 0.9604, "accuracy",
                null, 0.9604, 500_000L, 1L, null, null, null, 1.0, null, null, 50L * 1048576);
        Study study = new Study(List.of(r), List.of(), Objective.LATENCY, c);
        double[] v = study.constraintValues(r);
        assertArrayEquals(new double[] {-0.25, 0.5, 0.5, -0.02}, v, 1e-9);
        assertEquals("latency 10.000 ms > 8 ms; quality 0.9604 < 0.98", study.describeViolations(r));
        assertFalse(study.feasible(r));
        assertTrue(study.withConstraints(new Constraints(10.0, null, null, 0.96)).feasible(r));
    }

    @Test
    void settingsKeepConstraintsAndRangesThroughJsonAndOldStudiesReadWithout() {
        StudyConfig s = SearchRunnerTest.quick(5).with(new Constraints(8.0, 512.0, 20.0, 0.98))
                .with(new KeepRanges(0.4, Map.of("ffn_units", new KeepRanges.Range(0.5, 1), "head:/x", KeepRanges.Range.WHOLE), List.of("block:3")))
                .withBudget(9).withClock(dev.lathe.eval.timing.LatencyClock.CPU);
        StudyConfig back = StudyConfig.fromJson(s.toJson());
        assertEquals(s, back);
        assertEquals(new Constraints(8.0, 512.0, 20.0, 0.98), back.constraints(), "every with… carries the constraints along");
        assertEquals(List.of("block:3"), back.keepRanges().keepBlocks());

        String old = "{\"budget\":12,\"seed\":1,\"threads\":1,\"batch\":1,\"sequenceLength\":128,\"populationSize\":12,\"strategy\":\"nsga2\","
                + "\"dataPath\":null,\"tokenizerPath\":null,\"quickTiming\":true}";
        StudyConfig legacy = StudyConfig.fromJson(old);
        assertEquals(Constraints.NONE, legacy.constraints());
        assertEquals(KeepRanges.DEFAULT, legacy.keepRanges());
        assertThrows(IllegalArgumentException.class, () -> StudyConfig.fromJson(old.replace("}", ",\"constraints\":{\"maxLatencyMs\":-1}}")));
    }

    private static DoubleSolution point(double latency, double negQuality, double... constraints) {
        DoubleSolution s = new DefaultDoubleSolution(List.of(), 2, constraints.length);
        s.objectives()[0] = latency;
        s.objectives()[1] = negQuality;
        for (int i = 0; i < constraints.length; i++) s.constraints()[i] = constraints[i];
        return s;
    }
}
