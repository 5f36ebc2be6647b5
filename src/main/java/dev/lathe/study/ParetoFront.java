package dev.lathe.study;

import org.uma.jmetal.solution.doublesolution.DoubleSolution;
import org.uma.jmetal.solution.doublesolution.impl.DefaultDoubleSolution;
import org.uma.jmetal.util.ranking.impl.FastNonDominatedSortRanking;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The measured candidates no other measured candidate beats on both latency (lower; drift-corrected where the
 * study has references) and quality (higher). Under {@link Constraints} only feasible candidates take part: the
 * front is that of the candidates meeting every bound (empty when none does).
 */
public final class ParetoFront {
    private ParetoFront() {}

    /** Latency (drift-corrected where possible) against quality. */
    public static final java.util.function.ToDoubleFunction<CandidateRecord> LATENCY = CandidateRecord::comparableLatencyMs;
    /** The measuring worker's peak resident memory against quality; candidates without the figure are left out. */
    public static final java.util.function.ToDoubleFunction<CandidateRecord> PEAK_MEMORY =
            c -> c.peakMemoryBytes() == null ? Double.MAX_VALUE : c.peakMemoryBytes();

    public static Set<Long> ids(List<CandidateRecord> candidates) {
        return ids(candidates, LATENCY);
    }

    /** The front of {@code cost} (lower is better) against quality. */
    public static Set<Long> ids(List<CandidateRecord> candidates, java.util.function.ToDoubleFunction<CandidateRecord> cost) {
        return ids(candidates, cost, Constraints.NONE);
    }

    /** The latency front of the candidates that meet {@code constraints}. */
    public static Set<Long> ids(List<CandidateRecord> candidates, Constraints constraints) {
        return ids(candidates, LATENCY, constraints);
    }

    /** The front of {@code cost} against quality among the candidates that meet {@code constraints}. */
    public static Set<Long> ids(List<CandidateRecord> candidates, java.util.function.ToDoubleFunction<CandidateRecord> cost, Constraints constraints) {
        List<CandidateRecord> done = candidates.stream().filter(CandidateRecord::isDone).filter(c -> cost.applyAsDouble(c) < Double.MAX_VALUE)
                .filter(constraints::feasible).toList();
        Set<Long> out = new TreeSet<>();
        for (CandidateRecord c : nonDominated(done, cost, CandidateRecord::quality)) out.add(c.id());
        return out;
    }

    /**
     * The items no other item beats on both {@code cost} (lower is better) and {@code benefit} (higher is
     * better): the front on any two figures, e.g. the axes a chart shows.
     */
    public static <T> List<T> nonDominated(List<T> items, java.util.function.ToDoubleFunction<T> cost, java.util.function.ToDoubleFunction<T> benefit) {
        if (items.isEmpty()) return List.of();
        // Identity, not equals: jMetal solutions compare by variables, and these points have none.
        Map<DoubleSolution, T> itemOf = new IdentityHashMap<>();
        List<DoubleSolution> points = new ArrayList<>();
        for (T item : items) {
            DoubleSolution s = new DefaultDoubleSolution(List.of(), 2, 0);
            s.objectives()[0] = cost.applyAsDouble(item);
            s.objectives()[1] = -benefit.applyAsDouble(item);
            points.add(s);
            itemOf.put(s, item);
        }
        var ranking = new FastNonDominatedSortRanking<DoubleSolution>();
        ranking.compute(points);
        List<T> out = new ArrayList<>();
        for (DoubleSolution s : ranking.getSubFront(0)) out.add(itemOf.get(s));
        return out;
    }

    /** The front in order of increasing latency. */
    public static List<CandidateRecord> front(List<CandidateRecord> candidates) {
        return front(candidates, LATENCY);
    }

    /** The front of {@code cost} against quality, in order of increasing cost. */
    public static List<CandidateRecord> front(List<CandidateRecord> candidates, java.util.function.ToDoubleFunction<CandidateRecord> cost) {
        return front(candidates, cost, Constraints.NONE);
    }

    /** The front of the feasible candidates, in order of increasing cost. */
    public static List<CandidateRecord> front(List<CandidateRecord> candidates, java.util.function.ToDoubleFunction<CandidateRecord> cost, Constraints constraints) {
        Set<Long> ids = ids(candidates, cost, constraints);
        return candidates.stream().filter(c -> ids.contains(c.id())).sorted(Comparator.comparingDouble(cost)).toList();
    }
}
