package dev.lathe.search;

import dev.lathe.transform.Genome;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Uniform random sampling of the space: the baseline any smarter search must beat. */
public final class RandomStrategy implements SearchStrategy {
    private final SearchSpace space;
    private final Random random;

    public RandomStrategy(SearchSpace space, long seed) {
        this.space = space;
        this.random = new Random(seed);
    }

    @Override
    public String id() { return "random"; }

    @Override
    public List<Genome> ask(int count) {
        List<Genome> out = new ArrayList<>();
        for (int i = 0; i < count; i++) { // duplicates are filtered by the study, which knows every measured genome
            double[] x = new double[space.dimensions()];
            for (int d = 0; d < x.length; d++) x[d] = space.lowerBound(d) + random.nextDouble() * (space.upperBound(d) - space.lowerBound(d));
            out.add(space.decode(x));
        }
        return out;
    }

    @Override
    public void tell(Genome genome, double[] objectives) {
        // uniform sampling learns nothing
    }
}
