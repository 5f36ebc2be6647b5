package dev.lathe.search;

import dev.lathe.transform.genome.Genome;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Uniform random sampling of the space: the baseline any smarter search must beat. */
public final class RandomStrategy implements SearchStrategy {
    private final SearchSpace space;
    private final Random random;
    /** The original comes first, so speed-ups have their base in a random study too. */
    private boolean originalAsked;

    public RandomStrategy(SearchSpace space, long seed) {
        this.space = space;
        this.random = new Random(seed);
    }

    @Override
    public String id() { return "random"; }

    @Override
    public List<Genome> ask(int count) {
        List<Genome> out = new ArrayList<>();
        if (!originalAsked && count > 0) {
            out.add(Genome.ORIGINAL);
            originalAsked = true;
        }
        // Duplicates are filtered by the study, which knows every measured genome.
        while (out.size() < count) out.add(space.random(random));
        return out;
    }

    @Override
    public void tell(Genome genome, double[] objectives, double[] constraints) {
        if (genome.isOriginal()) originalAsked = true; // resumed: already measured
    }
}
