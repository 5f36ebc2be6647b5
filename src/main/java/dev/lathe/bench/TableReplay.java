package dev.lathe.bench;

import dev.lathe.config.StrategyKind;
import dev.lathe.search.HypervolumeHistory;
import dev.lathe.search.SearchSpace;
import dev.lathe.search.SearchStrategy;
import dev.lathe.search.Strategies;
import dev.lathe.transform.genome.Genome;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * One strategy replayed against a table: the search loop's ask/tell protocol (a generation of at most the
 * population, genomes already evaluated skipped as the study skips them, a failure told as worse than anything and
 * counted as an evaluation, the run ended when a generation brings nothing new) with measurement replaced by a
 * lookup that returns one of the stored repeats at random. The real strategies run through {@link SearchStrategy};
 * nothing of them is re-implemented here.
 */
public final class TableReplay {
    private static final double[] FAILED = {Double.MAX_VALUE, Double.MAX_VALUE};

    private final LookupTable table;
    private final SearchSpace space;
    private final int population;

    public TableReplay(LookupTable table, SearchSpace space, int population) {
        this.table = table;
        this.space = space;
        this.population = population;
    }

    /**
     * The normalized hypervolume after each evaluation, {@code budget} long (a run that exhausted the space keeps
     * its last figure). Deterministic for a seed: the strategy gets it, and the repeats are drawn from it.
     */
    public double[] run(StrategyKind kind, long seed, int budget) {
        SearchStrategy strategy = Strategies.of(kind, space, population, seed, r -> {}, m -> {});
        Random repeats = new Random(seed * 7919 + kind.ordinal());
        Set<Genome> evaluated = new HashSet<>();
        List<double[]> found = new ArrayList<>();
        double[] curve = new double[budget];
        int measured = 0;
        double hv = 0;
        while (measured < budget) {
            List<Genome> fresh = new ArrayList<>();
            for (Genome g : strategy.ask(Math.min(population, budget - measured))) if (evaluated.add(g)) fresh.add(g);
            if (fresh.isEmpty()) break;
            for (Genome g : fresh) {
                if (measured >= budget) break;
                LookupTable.Entry e = table.lookup(g, space);
                if (e.failed()) strategy.tell(g, FAILED);
                else {
                    strategy.tell(g, new double[] {LookupTable.draw(e, repeats), -e.quality()});
                    found.add(table.point(e));
                    found = LookupTable.nonDominated(found);
                    hv = HypervolumeHistory.hypervolume(found) / table.frontHypervolume();
                }
                curve[measured++] = hv;
            }
        }
        for (int i = measured; i < budget; i++) curve[i] = hv;
        return curve;
    }

    /** The evaluations after which {@code curve} first reaches {@code share} of the table's hypervolume, or null. */
    public static Integer evaluationsTo(double[] curve, double share, int budget) {
        for (int i = 0; i < Math.min(budget, curve.length); i++) if (curve[i] >= share - 1e-12) return i + 1;
        return null;
    }
}
