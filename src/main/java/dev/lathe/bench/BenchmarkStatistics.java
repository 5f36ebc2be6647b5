package dev.lathe.bench;

import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The statistics that compare strategies over seeds, as tabular-benchmark papers report them: quartiles, the
 * paired Wilcoxon signed-rank test (Apache Commons Math), Holm's step-down correction, the Vargha-Delaney A12
 * effect size, and a bootstrap interval for a ratio of medians.
 */
public final class BenchmarkStatistics {
    static final int EXACT_UP_TO = 20;

    private BenchmarkStatistics() {}

    /** The {@code p}-th percentile (0-100) with linear interpolation between order statistics (R's type 7). */
    public static double quantile(double[] v, double p) {
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(v, p);
    }

    /**
     * Two-sided p-value of the paired Wilcoxon signed-rank test of {@code x} against {@code y}. Pairs with no
     * difference are dropped (Wilcoxon's own rule; Commons Math would rank them), and with none left the answer
     * is 1. Exact for up to {@link #EXACT_UP_TO} pairs without tied differences (Commons Math enumerates all 2^n
     * sign patterns: a second at 20, a quarter of an hour at 30), else Commons Math's normal approximation (with a
     * continuity correction of 0.5, without a tie correction of the variance: slightly conservative).
     */
    public static double wilcoxon(double[] x, double[] y) {
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < x.length; i++) if (x[i] != y[i]) pairs.add(new double[] {x[i], y[i]});
        if (pairs.isEmpty()) return 1;
        double[] a = pairs.stream().mapToDouble(p -> p[0]).toArray(), b = pairs.stream().mapToDouble(p -> p[1]).toArray();
        double[] d = new double[a.length];
        for (int i = 0; i < d.length; i++) d[i] = Math.abs(a[i] - b[i]);
        boolean ties = Arrays.stream(d).distinct().count() < d.length;
        double p = new WilcoxonSignedRankTest().wilcoxonSignedRankTest(a, b, a.length <= EXACT_UP_TO && !ties);
        return Math.min(1, p);
    }

    /** Holm's step-down adjustment of {@code p}, in the same order: controls the family-wise error rate. */
    public static double[] holm(double[] p) {
        int m = p.length;
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) order[i] = i;
        Arrays.sort(order, (i, j) -> Double.compare(p[i], p[j]));
        double[] out = new double[m];
        double running = 0;
        for (int r = 0; r < m; r++) {
            running = Math.max(running, Math.min(1, (m - r) * p[order[r]]));
            out[order[r]] = running;
        }
        return out;
    }

    /** Vargha-Delaney A12: the chance that a draw from {@code x} beats one from {@code y} (ties count half). */
    public static double a12(double[] x, double[] y) {
        double wins = 0;
        for (double a : x)
            for (double b : y) wins += a > b ? 1 : a == b ? 0.5 : 0;
        return wins / ((double) x.length * y.length);
    }

    /** A ratio of medians with its percentile bootstrap interval (pairs resampled together). */
    public record Ratio(double ratio, double low, double high) {}

    /**
     * median(numerator) / median(denominator) over paired samples, with a 95% percentile bootstrap interval from
     * {@code resamples} resamples of the pairs.
     */
    public static Ratio ratioOfMedians(double[] numerator, double[] denominator, int resamples, long seed) {
        double ratio = LookupTable.median(numerator) / LookupTable.median(denominator);
        Random rnd = new Random(seed);
        int n = numerator.length;
        double[] boot = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) {
                int k = rnd.nextInt(n);
                a[i] = numerator[k];
                b[i] = denominator[k];
            }
            boot[r] = LookupTable.median(a) / LookupTable.median(b);
        }
        return new Ratio(ratio, quantile(boot, 2.5), quantile(boot, 97.5));
    }
}
