package dev.lathe.study;

import org.uma.jmetal.solution.doublesolution.DoubleSolution;
import org.uma.jmetal.solution.doublesolution.impl.DefaultDoubleSolution;
import org.uma.jmetal.util.ranking.impl.FastNonDominatedSortRanking;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The non-dominated sort on two figures, by jMetal. A study's front is {@link Study#front()}; this is the
 * sorting it uses, open to a chart that re-projects the candidates onto other axes.
 */
public final class ParetoFront {
    private ParetoFront() {}

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
}
