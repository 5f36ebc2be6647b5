package dev.lathe.export.searchdistill;

import dev.lathe.transform.genome.Genome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Which candidates a search distils: those expected to cross a quality bar and then beat what is above it. */
class FrontGainRankingTest {
    private static final FrontGainRanking BARS = new FrontGainRanking(List.of(0.95, 0.98, 0.99));

    /**
     * The figures of the live MiniLM search of session 7 (docs/live-searches.md), in cost as a share of the original's:
     * the old ranking chose #8 and #16 (7x faster at 0.70); #7 at 0.939, faster than anything at ≥ 0.95, is what a
     * plausible recovery lifts across the bar.
     */
    @Test
    void picksTheCandidateJustUnderABarThatWouldBeFasterThanAnythingAboveIt() {
        var original = measured(1.0, 1, 1.0);
        var int8Alone = measured(1 / 2.46, 3, 0.9940);
        var best95 = measured(1 / 2.47, 22, 0.9801);
        var under95 = measured(1 / 2.94, 7, 0.9390);
        var fastDamaged = measured(1 / 7.69, 8, 0.6983);
        var slowUnder = measured(1 / 1.5, 9, 0.9400); // under the bar, but slower than what passes it: nothing to gain
        List<DistillShareStrategy.Measured> seen = List.of(original, int8Alone, best95, under95, fastDamaged, slowUnder);
        List<FrontGainRanking.Scored> ranked = BARS.rank(seen, g -> null, g -> false, List.of());
        assertEquals(under95, ranked.getFirst().measured(), "the one under 0.95 first: " + describe(ranked));
        assertEquals(0.95, ranked.getFirst().bar());
        assertEquals((0.95 - 0.939) / (1 - 0.939), ranked.getFirst().need(), 1e-12);
        assertTrue(ranked.stream().noneMatch(s -> s.measured() == slowUnder || s.measured() == original), describe(ranked));
    }

    @Test
    void learnsFromTheStudysDistillationsHowMuchTheyRecover() {
        var original = measured(1.0, 1, 1.0);
        var best95 = measured(0.40, 2, 0.96);
        var near = measured(0.35, 3, 0.93); // needs 2/7 of its loss back for 0.95, gains 1/8 there
        var far = measured(0.10, 4, 0.70);  // needs 5/6 back, gains 3/4
        List<DistillShareStrategy.Measured> seen = List.of(original, best95, near, far);
        FrontGainRanking one = new FrontGainRanking(List.of(0.95));
        // distillations that won back 95% of their loss make the far, fast one the better bet
        List<FrontGainRanking.Recovery> generous = new ArrayList<>();
        for (double before : new double[] {0.5, 0.6, 0.7, 0.8, 0.85, 0.9}) generous.add(new FrontGainRanking.Recovery(before, before + 0.95 * (1 - before), false));
        assertEquals(far, one.rank(seen, g -> null, g -> false, generous).getFirst().measured());
        // ones that won back 5% make the near one the only plausible crossing
        List<FrontGainRanking.Recovery> meagre = new ArrayList<>();
        for (double before : new double[] {0.5, 0.6, 0.7, 0.8}) meagre.add(new FrontGainRanking.Recovery(before, before + 0.05 * (1 - before), false));
        assertEquals(near, one.rank(seen, g -> null, g -> false, meagre).getFirst().measured());
        // the int8 kind learns apart: the generous float figures say nothing about int8 candidates, which stay on the prior
        assertEquals(near, one.rank(seen, g -> null, g -> true, generous).getFirst().measured(), "int8 candidates still on the prior");
        assertEquals(FrontGainRanking.PRIOR_MEAN, FrontGainRanking.expectedShare(List.of(), false, 1.0), 1e-12);
    }

    @Test
    void aDistilledQualityCountsForTheFrontAndIsNotDistilledAgain() {
        var original = measured(1.0, 1, 1.0);
        var a = measured(0.30, 2, 0.94);
        var b = measured(0.35, 3, 0.94);
        List<DistillShareStrategy.Measured> seen = List.of(original, a, b);
        assertEquals(List.of(a, b), BARS.rank(seen, g -> null, g -> false, List.of()).stream().map(FrontGainRanking.Scored::measured).toList());
        // a distilled to 0.955: it is now the best at 0.95, so b (slower) can gain nothing there and only at 0.98/0.99 is it faster than the original
        Map<Genome, Double> distilled = Map.of(a.genome(), 0.955);
        List<FrontGainRanking.Scored> after = BARS.rank(seen, distilled::get, g -> false, List.of(new FrontGainRanking.Recovery(0.94, 0.955, false)));
        assertEquals(List.of(b), after.stream().map(FrontGainRanking.Scored::measured).toList());
        assertEquals(0.98, after.getFirst().bar(), "b is slower than a at 0.95, so its next useful bar is 0.98");
    }

    @Test
    void theOrderIsTheSameWhateverTheOrderTheCandidatesWereSeenIn() {
        List<DistillShareStrategy.Measured> seen = new ArrayList<>();
        seen.add(measured(1.0, 0, 1.0));
        Random r = new Random(11);
        for (int i = 1; i < 40; i++) seen.add(measured(0.1 + 0.9 * r.nextDouble(), i, 0.7 + 0.3 * r.nextDouble()));
        seen.add(measured(0.5, 40, 0.9)); // two ties in gain broken by cost and genome
        seen.add(measured(0.5, 41, 0.9));
        List<FrontGainRanking.Recovery> rec = List.of(new FrontGainRanking.Recovery(0.9, 0.92, false));
        List<DistillShareStrategy.Measured> first = BARS.rank(seen, g -> null, g -> false, rec).stream().map(FrontGainRanking.Scored::measured).toList();
        for (long seed = 1; seed <= 5; seed++) {
            List<DistillShareStrategy.Measured> shuffled = new ArrayList<>(seen);
            Collections.shuffle(shuffled, new Random(seed));
            assertEquals(first, BARS.rank(shuffled, g -> null, g -> false, rec).stream().map(FrontGainRanking.Scored::measured).toList());
        }
        assertFalse(first.isEmpty());
    }

    @Test
    void barsComeFromTheUserOrTheDefaultsPlusTheMinimumQuality() {
        assertArrayEquals(new double[] {0.95, 0.98, 0.99}, FrontGainRanking.of(null, null).bars(1.0), 1e-12, "cosine to the original: the original is 1");
        assertArrayEquals(new double[] {0.95 * 0.97, 0.98 * 0.97, 0.99 * 0.97}, FrontGainRanking.of(null, null).bars(0.97), 1e-12, "an accuracy of 0.97");
        assertArrayEquals(new double[] {0.9, 0.95, 0.98, 0.99}, FrontGainRanking.of(List.of(), 0.9).bars(1.0), 1e-12);
        assertArrayEquals(new double[] {0.97}, FrontGainRanking.of(List.of(0.97), null).bars(0.9), 1e-12, "the user's bars are absolute");
        assertThrows(IllegalArgumentException.class, () -> new FrontGainRanking(List.of(1.5)));
    }

    /** A candidate under the study's minimum quality breaks only that constraint, which distillation may mend: it is ranked. */
    @Test
    void aCandidateUnderTheMinimumQualityIsConsideredOneOverTheLatencyLimitOrFailedIsNot() {
        FrontGainRanking withMin = FrontGainRanking.of(null, 0.97);
        assertTrue(withMin.considers(new double[] {0.3, -0.95}, new double[] {0.1, -0.02}), "only the quality constraint broken");
        assertFalse(withMin.considers(new double[] {0.3, -0.95}, new double[] {-0.1, 0.01}), "over the latency limit");
        assertFalse(withMin.considers(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}, new double[] {-1e9, -1e9}), "failed");
        FrontGainRanking without = FrontGainRanking.of(null, null);
        assertFalse(without.considers(new double[] {0.3, -0.95}, new double[] {-0.02}), "no minimum quality: the last constraint is another");
        assertTrue(without.considers(new double[] {0.3, -0.95}, new double[] {}));
    }

    private static String describe(List<FrontGainRanking.Scored> ranked) {
        StringBuilder b = new StringBuilder();
        for (var s : ranked) b.append(s.measured().genome().keepRatios()).append(' ').append(s.describe()).append("; ");
        return b.toString();
    }

    private static DistillShareStrategy.Measured measured(double cost, int tag, double quality) {
        Genome g = new Genome(new TreeMap<>(Map.of("g" + tag, 0.5)), new TreeMap<>(), new TreeSet<>());
        return new DistillShareStrategy.Measured(g, new double[] {cost, -quality});
    }
}
