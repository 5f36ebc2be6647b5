package dev.lathe.search.predictor;

import dev.lathe.search.HypervolumeHistory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The batch acquisition on hand-made fronts whose improvements are computed by hand. */
class HypervolumeImprovementTest {
    /** Sorted by cost, as improvement() expects of a front. */
    private static final double[][] FRONT = {{0.4, 0.1}, {0.8, 0.0}};

    /** A prediction that is certain: cost ratio {@code c}, 1 - quality {@code y}. */
    private static HypervolumeImprovement.Prediction exact(double c, double y) {
        return new HypervolumeImprovement.Prediction(Math.log(c), 0, 1 - y, 0);
    }

    @Test
    void improvementIsTheAreaOnlyTheNewPointDominates() {
        // p = (0.25, 0.75) over {(0.5, 0.5)}: the strip x 0.25..0.5 above y 0.75, 0.25 x 0.25.
        assertEquals(0.0625, HypervolumeImprovement.improvement(new double[] {0.25, 0.75}, List.of(new double[] {0.5, 0.5})), 1e-12);
        // A dominated point adds nothing; beyond the reference point neither.
        assertEquals(0, HypervolumeImprovement.improvement(new double[] {0.5, 0.2}, List.of(FRONT)), 1e-12);
        assertEquals(0, HypervolumeImprovement.improvement(new double[] {1.2, 0.0}, List.of()), 1e-12);
        // (0.2, 0.3): x 0.2..0.4 up to 1 - 0.3 = 0.7 high, then the front's 0.1 is below it: 0.2 x 0.7.
        assertEquals(0.14, HypervolumeImprovement.improvement(new double[] {0.2, 0.3}, List.of(FRONT)), 1e-12);
        // Against an empty front: its whole box.
        assertEquals(0.3 * 0.6, HypervolumeImprovement.improvement(new double[] {0.7, 0.4}, List.of()), 1e-12);
    }

    @Test
    void hypervolumeAgreesWithJMetal() {
        Random r = new Random(4);
        for (int trial = 0; trial < 50; trial++) {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(15); i++) points.add(new double[] {r.nextDouble(), r.nextDouble()});
            assertEquals(HypervolumeHistory.hypervolume(points), HypervolumeImprovement.hypervolume(points), 1e-12);
        }
    }

    @Test
    void picksTheLargestImprovementThenWhatAddsBeyondThePicks() {
        var dominated = exact(0.5, 0.15);   // behind (0.4, 0.1): adds nothing
        var small = exact(0.3, 0.1);        // 0.1 x 0.9 = 0.09 on its own
        var large = exact(0.2, 0.3);        // 0.14 on its own
        var twin = exact(0.2, 0.3);         // the same as large: nothing once large is picked
        List<Integer> picked = HypervolumeImprovement.select(List.of(FRONT), List.of(dominated, small, large, twin), 4, 1);
        // large first; then small (0.02 beyond the front and large) before its twin (0); the dominated never.
        assertEquals(List.of(2, 1), picked);
    }

    @Test
    void uncertaintyEarnsAPickThatItsMeanWouldNot() {
        // Both predicted just behind the front's (0.4, 0.1); only the uncertain one may land beyond it.
        var sure = new HypervolumeImprovement.Prediction(Math.log(0.42), 0, 0.89, 0);
        var unsure = new HypervolumeImprovement.Prediction(Math.log(0.42), 0.2, 0.89, 0.02);
        assertEquals(0, HypervolumeImprovement.expected(List.of(FRONT), sure, 1), 1e-12);
        assertTrue(HypervolumeImprovement.expected(List.of(FRONT), unsure, 1) > 0.005);
        assertEquals(List.of(1), HypervolumeImprovement.select(List.of(FRONT), List.of(sure, unsure), 2, 1));
    }

    @Test
    void theSameSeedPicksTheSameBatch() {
        Random r = new Random(9);
        List<HypervolumeImprovement.Prediction> c = new ArrayList<>();
        for (int i = 0; i < 200; i++) c.add(new HypervolumeImprovement.Prediction(Math.log(0.2 + 0.8 * r.nextDouble()), 0.1, 0.8 + 0.2 * r.nextDouble(), 0.02));
        assertEquals(HypervolumeImprovement.select(List.of(FRONT), c, 9, 3), HypervolumeImprovement.select(List.of(FRONT), c, 9, 3));
        assertEquals(9, HypervolumeImprovement.select(List.of(FRONT), c, 9, 3).size());
    }
}
