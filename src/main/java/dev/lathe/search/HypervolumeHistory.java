package dev.lathe.search;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.Study;
import org.uma.jmetal.qualityindicator.impl.hypervolume.impl.PISAHypervolume;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How the hypervolume of a study's Pareto front grew, evaluation after evaluation: one figure of a search's
 * progress that can only rise (a candidate can widen the front, never shrink it).
 *
 * <p>Both objectives are normalized the same way for the whole study, so the curve compares over time and across
 * resumes: {@code x = cost / the original's cost} (drift-corrected latency, or peak memory: the search's own
 * cost) and {@code y = 1 - quality} (quality is higher-better for every metric Lathe records, the orientation
 * {@link Study#front()} uses), both clipped to [0, 1]. The reference point is (1, 1): the original's cost at quality
 * zero. So the hypervolume is the area the front dominates in units of (share of the original's cost saved) ×
 * quality: 0 while only the original and slower candidates are known, at most 1. jMetal's
 * {@link PISAHypervolume} computes it; it assumes exactly this normalized, minimised space with reference (1, 1).
 */
public final class HypervolumeHistory {
    private HypervolumeHistory() {}

    /** The hypervolume after {@code evaluations} finished candidates (measured or failed), the last being {@code candidateId}. */
    public record Point(int evaluations, long candidateId, double hypervolume) {}

    /**
     * The history of the study's cost (its objective: drift-corrected latency or peak memory) against quality,
     * one point per finished candidate in study order. Empty while the original has no figure, since every cost
     * is taken relative to it.
     */
    public static List<Point> of(Study study) {
        double base = study.original().filter(c -> c.quality() != null).map(study::cost)
                .filter(v -> v > 0 && v < Double.MAX_VALUE).orElse(Double.NaN);
        List<Point> out = new ArrayList<>();
        if (Double.isNaN(base)) return out;
        List<double[]> front = new ArrayList<>();
        double hv = 0;
        int evaluations = 0;
        for (CandidateRecord c : study.trials().stream().sorted(Comparator.comparingLong(CandidateRecord::id)).toList()) {
            if (c.status() != CandidateStatus.DONE && c.status() != CandidateStatus.FAILED) continue;
            evaluations++;
            if (c.isDone() && c.quality() != null) {
                double x = study.cost(c);
                if (x < Double.MAX_VALUE && addToFront(front, new double[] {clip(x / base), clip(1 - c.quality())})) hv = hypervolume(front);
            }
            out.add(new Point(evaluations, c.id(), hv));
        }
        return out;
    }

    /** The latest figure of a history, 0 when it is empty. */
    public static double last(List<Point> history) {
        return history.isEmpty() ? 0 : history.getLast().hypervolume();
    }

    /** The hypervolume of normalized points (both minimised, in [0, 1]) against the reference point (1, 1). */
    public static double hypervolume(List<double[]> normalized) {
        double[][] inside = normalized.stream().filter(p -> p[0] < 1 && p[1] < 1).map(double[]::clone).toArray(double[][]::new);
        if (inside.length == 0) return 0;
        return new PISAHypervolume(new double[] {1, 1}).compute(inside);
    }

    /** Adds {@code p} to the non-dominated set {@code front}, dropping what it dominates; false when it changes nothing. */
    private static boolean addToFront(List<double[]> front, double[] p) {
        for (double[] q : front) if (q[0] <= p[0] && q[1] <= p[1]) return false;
        front.removeIf(q -> p[0] <= q[0] && p[1] <= q[1]);
        front.add(p);
        return true;
    }

    private static double clip(double v) {
        return Double.isNaN(v) ? 1 : Math.max(0, Math.min(1, v));
    }
}
