package dev.lathe.search;

import dev.lathe.transform.genome.Genome;
import dev.lathe.study.Constraints;

import java.util.List;

/**
 * The replaceable part of a search, in ask/tell form: it proposes genomes and is told their objectives
 * (both minimised: latency in ms and negated quality) and constraint values (jMetal's form, see
 * {@link Constraints#values}: non-negative when met). It never touches storage or measurement.
 */
public interface SearchStrategy {
    String id();

    List<Genome> ask(int count);

    void tell(Genome genome, double[] objectives, double[] constraints);

    /** Told without constraints: every candidate is feasible. */
    default void tell(Genome genome, double[] objectives) {
        tell(genome, objectives, new double[0]);
    }
}
