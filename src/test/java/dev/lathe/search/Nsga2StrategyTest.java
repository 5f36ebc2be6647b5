package dev.lathe.search;

import dev.lathe.TestModels;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class Nsga2StrategyTest {
    static final SearchSpace SPACE = new SearchSpace(GroupFinder.analyze(MutableGraph.of(OnnxModel.load(TestModels.minilm()))));

    /** A stand-in for measurement: fewer units and more int8 layers are faster but worse. */
    static double[] objectives(Genome g) {
        double kept = SPACE.groups().stream().mapToDouble(gr -> g.keepRatio(gr.id())).sum() / SPACE.groups().size();
        double int8 = (double) g.precisions().size() / SPACE.layers().size();
        return new double[] {kept * (1 - 0.5 * int8), -(0.6 + 0.4 * kept - 0.05 * int8)};
    }

    static List<String> run(long seed, int generations) {
        Nsga2Strategy s = new Nsga2Strategy(SPACE, 8, seed);
        List<String> asked = new ArrayList<>();
        for (int gen = 0; gen < generations; gen++)
            for (Genome g : s.ask(8)) {
                asked.add(GenomeJson.write(g));
                s.tell(g, objectives(g));
            }
        return asked;
    }

    @Test
    void sameSeedSameGenomesAndNoneRepeated() {
        List<String> a = run(7, 4), b = run(7, 4), c = run(8, 4);
        assertEquals(a, b);
        assertNotEquals(a, c);
        Set<String> unique = new HashSet<>(a);
        assertEquals(a.size(), unique.size(), "a genome is never proposed twice");
    }

    @Test
    void startsFromTheOriginalAndSimpleCorners() {
        Nsga2Strategy s = new Nsga2Strategy(SPACE, 8, 1);
        List<Genome> first = s.ask(8);
        assertTrue(first.get(0).isOriginal());
        assertEquals(SPACE.layers().size(), first.get(1).layersAt(dev.lathe.transform.genome.Precision.INT8).size(), "second seed: every layer int8");
    }

    @Test
    void decodingSnapsRatiosToWholeUnitsWithinBounds() {
        double[] x = new double[SPACE.dimensions()];
        java.util.Arrays.fill(x, 0.01);
        Genome g = SPACE.decode(x);
        g.keepRatios().forEach((id, r) -> assertTrue(r >= SearchSpace.MIN_KEEP - 1e-9, id + " " + r));
        assertTrue(g.precisions().isEmpty());
        assertEquals(g, SPACE.decode(SPACE.encode(g)), "encode/decode round trip");
    }
}
