package dev.lathe.search.distill;

import dev.lathe.transform.genome.Genome;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Which of a generation's candidates {@code search --distill-share} distils. */
class DistillShareStrategyTest {
    @Test
    void choosesTheLossyCandidatesNearestTheFrontThenTheCheapest() {
        var original = measured(1.0, 0, -1.0);
        var fastLossy = measured(0.3, 1, -0.90);
        var dominated = measured(0.8, 2, -0.80); // dominated by fastLossy
        var fastest = measured(0.2, 3, -0.70);
        List<DistillShareStrategy.Measured> seen = List.of(original, fastLossy, dominated, fastest);
        assertEquals(List.of(fastest, fastLossy), DistillShareStrategy.mostPromising(List.of(fastLossy, dominated, fastest), seen, 0.5));
        assertEquals(List.of(fastest), DistillShareStrategy.mostPromising(List.of(fastLossy, dominated, fastest), seen, 0.1));
        assertEquals(List.of(), DistillShareStrategy.mostPromising(List.of(original), seen, 1.0), "nothing to recover at the best quality");
    }

    private static DistillShareStrategy.Measured measured(double cost, int tag, double negatedQuality) {
        Genome g = new Genome(new TreeMap<>(Map.of("g" + tag, 0.5)), new TreeMap<>(), new TreeSet<>());
        return new DistillShareStrategy.Measured(g, new double[] {cost, negatedQuality});
    }
}
