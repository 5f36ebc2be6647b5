package dev.lathe.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The benchmark's statistics against figures worked out by hand. */
class BenchmarkStatisticsTest {
    @Test
    void wilcoxonExactAndApproximate() {
        // Eight pairs, every difference positive and distinct: W- = 0, and only 1 of the 2^8 sign patterns is as
        // extreme on each side: p = 2/256.
        double[] x = {2, 4, 6, 8, 10, 12, 14, 16}, y = {1, 2, 3, 4, 5, 6, 7, 8};
        assertEquals(2.0 / 256, BenchmarkStatistics.wilcoxon(x, y), 1e-12);
        assertEquals(2.0 / 256, BenchmarkStatistics.wilcoxon(y, x), 1e-12, "two-sided");
        // Zero differences are dropped: the same eight plus two ties give the same answer.
        assertEquals(2.0 / 256, BenchmarkStatistics.wilcoxon(new double[] {2, 4, 6, 8, 10, 12, 14, 16, 5, 5},
                new double[] {1, 2, 3, 4, 5, 6, 7, 8, 5, 5}), 1e-12);
        assertEquals(1.0, BenchmarkStatistics.wilcoxon(new double[] {1, 2}, new double[] {1, 2}), "no difference at all");
        // Tied |differences| {1, 1, 2, 3}, signs +,-,+,+: ranks 1.5, 1.5, 3, 4, W+ = 8.5, W- = 1.5; normal approximation:
        // mean n(n+1)/4 = 5, sd sqrt(n(n+1)(2n+1)/24) = sqrt(7.5), with Commons Math's continuity correction of 0.5
        // (and no tie correction of the variance): z = (1.5 - 5 - 0.5)/sqrt(7.5) = -1.4606; p = 2 Phi(z) = 0.1441.
        assertEquals(0.1441, BenchmarkStatistics.wilcoxon(new double[] {2, 1, 4, 6}, new double[] {1, 2, 2, 3}), 1e-4);
    }

    @Test
    void holmStepsDownAndStaysMonotone() {
        // Sorted 0.01, 0.03, 0.04 -> 3*0.01, 2*0.03, max(0.06, 1*0.04): 0.03, 0.06, 0.06, back in the given order.
        assertArrayEquals(new double[] {0.03, 0.06, 0.06}, BenchmarkStatistics.holm(new double[] {0.01, 0.04, 0.03}), 1e-12);
        assertArrayEquals(new double[] {1, 1}, BenchmarkStatistics.holm(new double[] {0.6, 0.9}), 1e-12, "capped at 1");
    }

    @Test
    void a12CountsTiesHalf() {
        // x = 2 and 3 beat all three 1s (6 wins), x = 1 ties them (3 halves): (6 + 1.5) / 9.
        assertEquals(7.5 / 9, BenchmarkStatistics.a12(new double[] {1, 2, 3}, new double[] {1, 1, 1}), 1e-12);
        assertEquals(0.5, BenchmarkStatistics.a12(new double[] {4, 5}, new double[] {4, 5}), 1e-12);
        assertEquals(0.0, BenchmarkStatistics.a12(new double[] {1}, new double[] {2}), 1e-12);
    }

    @Test
    void quartilesAndARatioOfMedians() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(3.25, BenchmarkStatistics.quantile(v, 25), 1e-12, "R type 7: 1 + 0.25 * 9 = 3.25");
        assertEquals(5.5, BenchmarkStatistics.quantile(v, 50), 1e-12);
        var r = BenchmarkStatistics.ratioOfMedians(new double[] {40, 40, 40, 40}, new double[] {10, 10, 10, 10}, 200, 1);
        assertEquals(4, r.ratio(), 1e-12);
        assertEquals(4, r.low(), 1e-12);
        assertEquals(4, r.high(), 1e-12);
        var spread = BenchmarkStatistics.ratioOfMedians(new double[] {20, 40, 60, 80, 100}, new double[] {10, 10, 20, 20, 20}, 500, 2);
        assertEquals(3, spread.ratio(), 1e-12);
        assertTrue(spread.low() < 3 && spread.high() > 3, spread.toString());
    }
}
