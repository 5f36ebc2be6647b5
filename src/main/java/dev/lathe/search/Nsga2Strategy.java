package dev.lathe.search;

import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.uma.jmetal.operator.crossover.impl.SBXCrossover;
import org.uma.jmetal.operator.mutation.impl.PolynomialMutation;
import org.uma.jmetal.solution.doublesolution.DoubleSolution;
import org.uma.jmetal.solution.doublesolution.impl.DefaultDoubleSolution;
import org.uma.jmetal.util.bounds.Bounds;
import org.uma.jmetal.util.comparator.RankingAndCrowdingDistanceComparator;
import org.uma.jmetal.util.comparator.dominanceComparator.impl.DominanceWithConstraintsComparator;
import org.uma.jmetal.util.densityestimator.impl.CrowdingDistanceDensityEstimator;
import org.uma.jmetal.util.pseudorandom.RandomGenerator;
import org.uma.jmetal.util.ranking.impl.FastNonDominatedSortRanking;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * NSGA-II in ask/tell form, assembled from jMetal's operators: non-dominated sorting with crowding distance
 * for survival, under Deb's constrained dominance (jMetal's {@link DominanceWithConstraintsComparator}: a feasible
 * candidate beats an infeasible one, of two infeasible ones the smaller overall violation wins, of two feasible
 * ones plain dominance decides; the constraint values sit in each solution's {@code constraints()}), binary tournament, SBX crossover (p=0.9, eta=15) and polynomial mutation (p=1/n, eta=20),
 * DyNAS-T's defaults. jMetal's own NSGAII class owns its loop and its evaluation, which would put
 * measurement and storage inside the algorithm; this class keeps only the population logic.
 * Seeds go first; genomes already told are never proposed again.
 */
public final class Nsga2Strategy implements SearchStrategy {
    private final SearchSpace space;
    private final int populationSize;
    private final Random random;
    private final SBXCrossover crossover;
    private final PolynomialMutation mutation;
    private final List<DoubleSolution> evaluated = new ArrayList<>();
    private final Set<String> seen = new HashSet<>();
    private final Deque<Genome> seeds;

    public Nsga2Strategy(SearchSpace space, int populationSize, long seed) {
        this.space = space;
        this.populationSize = populationSize;
        this.random = new Random(seed);
        RandomGenerator<Double> rng = random::nextDouble;
        this.crossover = new SBXCrossover(0.9, 15.0, rng);
        this.mutation = new PolynomialMutation(1.0 / Math.max(1, space.dimensions()), 20.0, rng);
        this.seeds = new ArrayDeque<>(space.seeds());
    }

    @Override
    public String id() { return "nsga2"; }

    @Override
    public List<Genome> ask(int count) {
        List<Genome> out = new ArrayList<>();
        Set<String> proposed = new HashSet<>();
        while (out.size() < count && !seeds.isEmpty()) {
            Genome g = seeds.poll();
            String key = GenomeJson.write(g);
            if (!seen.contains(key) && proposed.add(key)) out.add(g);
        }
        List<DoubleSolution> parents = survivors();
        var better = parents.size() < 2 ? null : rankAndCrowd(parents);
        int attempts = 0;
        // A small space can run out of unseen genomes: give up after many misses rather than loop forever.
        while (out.size() < count && attempts < 200 * count) {
            Genome g;
            if (parents.size() < 2 || attempts > 50 * count) g = space.random(random);
            else {
                DoubleSolution a = tournament(parents, better), b = tournament(parents, better);
                List<DoubleSolution> kids = crossover.execute(List.of(a, b));
                g = space.decode(values(mutation.execute(kids.get(random.nextInt(kids.size())))));
            }
            attempts++;
            String key = GenomeJson.write(g);
            if (!seen.contains(key) && proposed.add(key)) out.add(g);
        }
        return out;
    }

    @Override
    public void tell(Genome genome, double[] objectives, double[] constraints) {
        if (!seen.add(GenomeJson.write(genome))) return;
        DoubleSolution s = solution(space.encode(genome), constraints.length);
        for (int i = 0; i < objectives.length; i++) s.objectives()[i] = objectives[i];
        for (int i = 0; i < constraints.length; i++) s.constraints()[i] = constraints[i];
        evaluated.add(s);
    }

    /**
     * Forgets every evaluated solution but the survivors (the genomes stay seen, so none is proposed again): an
     * inner search on predictions evaluates thousands, and ranking all of them every generation would cost more
     * than the predictions.
     */
    void keepSurvivorsOnly() {
        List<DoubleSolution> keep = survivors();
        evaluated.clear();
        evaluated.addAll(keep);
    }

    /** Environmental selection over everything measured so far: the best {@code populationSize} by rank, then crowding. */
    List<DoubleSolution> survivors() {
        if (evaluated.size() <= populationSize) return new ArrayList<>(evaluated);
        var ranking = ranking();
        ranking.compute(new ArrayList<>(evaluated));
        var crowding = new CrowdingDistanceDensityEstimator<DoubleSolution>();
        List<DoubleSolution> out = new ArrayList<>();
        for (int f = 0; f < ranking.getNumberOfSubFronts() && out.size() < populationSize; f++) {
            List<DoubleSolution> front = new ArrayList<>(ranking.getSubFront(f));
            crowding.compute(front);
            front.sort(crowding.comparator());
            for (DoubleSolution s : front) if (out.size() < populationSize) out.add(s);
        }
        return out;
    }

    /** Binary tournament by rank, then crowding distance, over the parents as ranked once per generation. */
    private DoubleSolution tournament(List<DoubleSolution> pop, RankingAndCrowdingDistanceComparator<DoubleSolution> better) {
        DoubleSolution a = pop.get(random.nextInt(pop.size())), b = pop.get(random.nextInt(pop.size()));
        return better.compare(a, b) <= 0 ? a : b;
    }

    /** Non-dominated sorting under constrained dominance; with no constraints told it is plain dominance. */
    static FastNonDominatedSortRanking<DoubleSolution> ranking() {
        return new FastNonDominatedSortRanking<>(new DominanceWithConstraintsComparator<>());
    }

    private static RankingAndCrowdingDistanceComparator<DoubleSolution> rankAndCrowd(List<DoubleSolution> pop) {
        var ranking = ranking();
        ranking.compute(pop);
        var crowding = new CrowdingDistanceDensityEstimator<DoubleSolution>();
        for (int f = 0; f < ranking.getNumberOfSubFronts(); f++) crowding.compute(ranking.getSubFront(f));
        return new RankingAndCrowdingDistanceComparator<>(ranking);
    }

    private DoubleSolution solution(double[] x, int constraints) {
        List<Bounds<Double>> bounds = new ArrayList<>();
        for (int d = 0; d < space.dimensions(); d++) bounds.add(Bounds.create(space.lowerBound(d), space.upperBound(d)));
        DefaultDoubleSolution s = new DefaultDoubleSolution(bounds, 2, constraints);
        for (int d = 0; d < x.length; d++) s.variables().set(d, Math.max(space.lowerBound(d), Math.min(space.upperBound(d), x[d])));
        return s;
    }

    private static double[] values(DoubleSolution s) {
        return s.variables().stream().mapToDouble(Double::doubleValue).toArray();
    }
}
