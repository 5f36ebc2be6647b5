package dev.lathe.eval.timing;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The adaptive stopping rules on synthetic timings, and the order-statistic interval against binomial tables. */
class TimingProtocolTest {
    private static final TimingProtocol P = TimingProtocol.DEFAULT; // 2%, at least 20 runs, settle window 5 within 3%

    @Test
    void medianIntervalRanksMatchTheBinomialTables() {
        // n = 10: P(B <= 1) = 11/1024 = 0.0107 <= 0.025 < P(B <= 2) = 56/1024: the interval is [x(2), x(9)] (1-based).
        assertArrayEquals(new int[] {1, 8}, MedianConfidence.ranks(10, 0.95));
        // n = 20: P(B <= 5) = 0.0207, P(B <= 6) = 0.0577: [x(6), x(15)].
        assertArrayEquals(new int[] {5, 14}, MedianConfidence.ranks(20, 0.95));
        // n = 100: the textbook interval is [x(40), x(61)].
        assertArrayEquals(new int[] {39, 60}, MedianConfidence.ranks(100, 0.95));
        // Five samples cannot give 95%: even [min, max] covers the median only with 1 - 2/32 = 93.75%.
        assertNull(MedianConfidence.ranks(5, 0.95));
        assertArrayEquals(new int[] {0, 5}, MedianConfidence.ranks(6, 0.95)); // 1 - 2/64 = 96.9%
        assertNotNull(MedianConfidence.ranks(5000, 0.95), "large n does not underflow");
    }

    @Test
    void relativeHalfWidthIsHalfTheIntervalOverTheMedian() {
        double[] sorted = new double[20];
        for (int i = 0; i < 20; i++) sorted[i] = 10 + i; // median 19.5, interval [x(6), x(15)] = [15, 24]
        assertEquals((24 - 15) / 2.0 / 19.5, MedianConfidence.relativeHalfWidth(sorted, 20, 0.95), 1e-12);
    }

    @Test
    void warmUpEndsWhenTwoWindowsAgree() {
        // A cold start that decays to 10 ms: 40, 30, 20, 15, 12, 11, 10.2, 10.1, 10, 10, 10, 10 ...
        double[] w = {40, 30, 20, 15, 12, 11, 10.2, 10.1, 10, 10, 10, 10, 10, 10, 10, 10};
        int n = 0;
        while (!P.warmupDone(w, ++n, 0)) assertTrue(n < w.length);
        // At 13 runs the windows' medians are 10 and 11 (9% apart); at 14 they are 10 and 10.2 (2%, within 3%).
        assertEquals(14, n);
        assertTrue(P.settled(w, n));
        assertFalse(P.settled(w, 10));
    }

    @Test
    void warmUpStopsAtItsCapsWhenTimingsNeverSettle() {
        double[] alternating = new double[P.maxWarmupRuns()];
        for (int i = 0; i < alternating.length; i++) alternating[i] = 10 + 10 * (i / 5 % 2); // 5 runs at 10, 5 at 20, ...
        assertFalse(P.warmupDone(alternating, 100, 1.0));
        assertTrue(P.warmupDone(alternating, P.maxWarmupRuns(), 1.0), "run cap");
        assertTrue(P.warmupDone(alternating, 100, P.maxWarmupSeconds()), "time cap");
        assertFalse(P.settled(alternating, 100));
    }

    @Test
    void quietTimingsConvergeAfterTheMinimumAndNoisyOnesNeedMore() {
        int quiet = runsUntilDone(0.005, 7), noisy = runsUntilDone(0.10, 7);
        assertEquals(P.minRuns(), quiet, "0.5% noise: the interval is within 2% as soon as it may stop");
        assertTrue(noisy > 100 && noisy < P.maxRuns(), "10% noise needs many more runs, and gets there: " + noisy);
        // Wider spread, more runs: the half-width shrinks roughly like 1/sqrt(n).
        assertTrue(runsUntilDone(0.20, 7) > 2.5 * noisy);
    }

    @Test
    void aBimodalTimingNeverConvergesAndStopsAtTheCap() {
        double[] s = new double[P.maxRuns()];
        for (int i = 0; i < s.length; i++) s[i] = i % 2 == 0 ? 10 : 15; // two clock states, half the runs each
        assertFalse(P.converged(s, 1000));
        assertFalse(P.timingDone(s, 1000, 1.0));
        assertTrue(P.timingDone(s, 1000, P.maxSeconds()), "time cap");
        assertTrue(P.timingDone(s, P.maxRuns(), 1.0), "run cap");
    }

    @Test
    void noStopBeforeTheMinimumTime() {
        double[] constant = new double[100];
        java.util.Arrays.fill(constant, 5.0);
        assertTrue(P.converged(constant, 50));
        assertFalse(P.timingDone(constant, 50, P.minSeconds() / 2));
        assertTrue(P.timingDone(constant, 50, P.minSeconds()));
    }

    @Test
    void statisticsOfTheSamplesAndTheirInterval() {
        double[] s = new double[20];
        for (int i = 0; i < 20; i++) s[19 - i] = 10 + i; // reversed: order must not matter
        LatencyStats st = LatencyStats.of(s, 7, true, true, 1.5, new LatencyStats.Settings(2, 1, "cpu", "all", "x=[1, 4]", "test machine"));
        assertEquals(19.5, st.medianMs());
        assertEquals(15, st.ciLowMs());
        assertEquals(24, st.ciHighMs());
        assertEquals(4.5 / 19.5 * 100, st.ciHalfWidthPct(), 1e-12);
        assertEquals(20, st.runs());
        assertEquals(7, st.warmupRuns());
        assertEquals(2, st.threads());
        assertEquals("test machine", st.machine());
    }

    /** Timed runs the protocol takes on Gaussian timings around 10 ms with relative spread {@code sd}, with time never the limit. */
    private static int runsUntilDone(double sd, long seed) {
        Random r = new Random(seed);
        double[] s = new double[P.maxRuns()];
        for (int n = 1; n <= s.length; n++) {
            s[n - 1] = 10 * (1 + sd * r.nextGaussian());
            if (P.timingDone(s, n, P.minSeconds())) return n;
        }
        return s.length;
    }
}
