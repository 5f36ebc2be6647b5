package dev.lathe.search;

import dev.lathe.study.CandidateRecord;
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
 * study has references) and quality (higher).
 */
public final class ParetoFront {
    private ParetoFront() {}

    public static Set<Long> ids(List<CandidateRecord> candidates) {
        List<CandidateRecord> done = candidates.stream().filter(CandidateRecord::isDone).toList();
        Set<Long> out = new TreeSet<>();
        if (done.isEmpty()) return out;
        // Identity, not equals: jMetal solutions compare by variables, and these points have none.
        Map<DoubleSolution, Long> idOf = new IdentityHashMap<>();
        List<DoubleSolution> points = new ArrayList<>();
        for (CandidateRecord c : done) {
            DoubleSolution s = new DefaultDoubleSolution(List.of(), 2, 0);
            s.objectives()[0] = c.comparableLatencyMs();
            s.objectives()[1] = -c.quality();
            points.add(s);
            idOf.put(s, c.id());
        }
        var ranking = new FastNonDominatedSortRanking<DoubleSolution>();
        ranking.compute(points);
        for (DoubleSolution s : ranking.getSubFront(0)) out.add(idOf.get(s));
        return out;
    }

    /** The front in order of increasing latency. */
    public static List<CandidateRecord> front(List<CandidateRecord> candidates) {
        Set<Long> ids = ids(candidates);
        return candidates.stream().filter(c -> ids.contains(c.id())).sorted(Comparator.comparingDouble(CandidateRecord::comparableLatencyMs)).toList();
    }
}
