package dev.lathe.search.predictor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Chooses a batch to measure by the hypervolume it is expected to add to the front already measured (sequential
 * greedy q-EHVI, as BoTorch's qEHVI does it, by Monte Carlo): each candidate's predicted cost and quality are drawn
 * {@link #SAMPLES} times from its predictive normal (common random numbers: the same draws for every step); the
 * first pick is the candidate with the largest mean improvement over the measured front, and each later pick
 * the largest over the front that also holds, draw by draw, what the earlier picks drew. So a candidate counts only
 * for what it would add beyond the measured front and the rest of the batch, and its uncertainty counts for as much
 * as its chance of landing beyond the front (expected improvement), not as a fixed optimistic offset.
 *
 * <p>Points live where the search's hypervolume is judged ({@code dev.lathe.search.HypervolumeHistory}): cost over
 * the original's and 1 - quality, both clipped to [0, 1], reference (1, 1). Cost is predicted as a log ratio, so a
 * draw of it is exp(mean + sd z).
 */
public final class HypervolumeImprovement {
    static final int SAMPLES = 64;

    private HypervolumeImprovement() {}

    /** A candidate's prediction: log(cost / the original's) and quality, each a mean and a standard deviation. */
    public record Prediction(double logCost, double logCostSd, double quality, double qualitySd) {}

    /**
     * Up to {@code n} indices into {@code candidates}, in the order picked; fewer when no remaining candidate is
     * expected to add anything. {@code measured} holds the normalized points measured so far (cost ratio,
     * 1 - quality; any order, dominated ones allowed).
     */
    public static List<Integer> select(List<double[]> measured, List<Prediction> candidates, int n, long seed) {
        int c = candidates.size();
        Random rnd = new Random(seed);
        double[][][] draws = new double[c][SAMPLES][];
        for (int i = 0; i < c; i++) {
            Prediction p = candidates.get(i);
            for (int s = 0; s < SAMPLES; s++)
                draws[i][s] = new double[] {clip(Math.exp(p.logCost() + p.logCostSd() * rnd.nextGaussian())),
                        clip(1 - (p.quality() + p.qualitySd() * rnd.nextGaussian()))};
        }
        List<List<double[]>> fronts = new ArrayList<>();
        List<double[]> start = nonDominated(measured);
        for (int s = 0; s < SAMPLES; s++) fronts.add(new ArrayList<>(start));
        boolean[] taken = new boolean[c];
        List<Integer> out = new ArrayList<>();
        while (out.size() < n) {
            int best = -1;
            double bestGain = 0;
            for (int i = 0; i < c; i++) {
                if (taken[i]) continue;
                double gain = 0;
                for (int s = 0; s < SAMPLES; s++) gain += improvement(draws[i][s], fronts.get(s));
                gain /= SAMPLES;
                if (gain > bestGain + 1e-15) {
                    bestGain = gain;
                    best = i;
                }
            }
            if (best < 0) break;
            taken[best] = true;
            out.add(best);
            for (int s = 0; s < SAMPLES; s++) fronts.set(s, nonDominated(with(fronts.get(s), draws[best][s])));
        }
        return out;
    }

    /** The mean improvement of one prediction over {@code measured}, for reports and tests. */
    public static double expected(List<double[]> measured, Prediction p, long seed) {
        List<double[]> front = nonDominated(measured);
        Random rnd = new Random(seed);
        double gain = 0;
        for (int s = 0; s < SAMPLES; s++)
            gain += improvement(new double[] {clip(Math.exp(p.logCost() + p.logCostSd() * rnd.nextGaussian())),
                    clip(1 - (p.quality() + p.qualitySd() * rnd.nextGaussian()))}, front);
        return gain / SAMPLES;
    }

    /**
     * The area {@code p} dominates (up to the reference (1, 1)) that {@code front} does not, for a front that is
     * non-dominated and sorted by cost ({@link #nonDominated}): integrate, over x from p's cost to 1, the height
     * between p's y and the lowest y the front reaches at or left of x.
     */
    static double improvement(double[] p, List<double[]> front) {
        if (p[0] >= 1 || p[1] >= 1) return 0;
        double h = 1;
        int i = 0, m = front.size();
        for (; i < m && front.get(i)[0] <= p[0]; i++) h = Math.min(h, front.get(i)[1]);
        if (h <= p[1]) return 0;
        double x = p[0], area = 0;
        for (; i < m && h > p[1]; i++) {
            double[] q = front.get(i);
            if (q[0] >= 1) break;
            area += (q[0] - x) * (h - p[1]);
            x = q[0];
            h = Math.min(h, q[1]);
        }
        return area + (1 - x) * Math.max(0, h - p[1]);
    }

    /** The exact two-dimensional hypervolume of minimised points against (1, 1). */
    static double hypervolume(List<double[]> points) {
        List<double[]> front = new ArrayList<>();
        double hv = 0;
        for (double[] p : points) {
            hv += improvement(p, front);
            front = nonDominated(with(front, p));
        }
        return hv;
    }

    private static List<double[]> with(List<double[]> front, double[] p) {
        List<double[]> out = new ArrayList<>(front);
        out.add(p);
        return out;
    }

    /** The non-dominated points (one of equal ones), sorted by cost: a sort and a sweep. */
    static List<double[]> nonDominated(List<double[]> points) {
        List<double[]> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.<double[]>comparingDouble(q -> q[0]).thenComparingDouble(q -> q[1]));
        List<double[]> out = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (double[] q : sorted)
            if (q[1] < best) {
                out.add(q);
                best = q[1];
            }
        return out;
    }

    private static double clip(double v) {
        return Double.isNaN(v) ? 1 : Math.max(0, Math.min(1, v));
    }
}
