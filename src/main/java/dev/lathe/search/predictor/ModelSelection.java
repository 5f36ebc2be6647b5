package dev.lathe.search.predictor;

import org.apache.commons.math3.stat.correlation.KendallsCorrelation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Judges regressors out of sample: k-fold cross-validation (folds shuffled from a seed), scored by Kendall's tau
 * between the held-out predictions and the truth, since the search only needs the ranking right. A model judged
 * on its own training points looks perfect (mlr3mbo #31); these figures never are.
 */
public final class ModelSelection {
    static final int FOLDS = 5;

    private ModelSelection() {}

    /**
     * The chosen regressor fitted to all the data, with its cross-validated tau and root mean squared error (how far
     * a prediction for an unseen genome is off, model misfit and noise together).
     */
    public record Choice(String model, Regressor.Fitted fitted, double cvTau, double cvRmse) {}

    /** The regressor with the best cross-validated tau, fitted to everything (ties: the first listed). */
    public static Choice best(List<Regressor> candidates, double[][] x, double[] y, long seed) {
        Regressor best = null;
        double bestTau = Double.NEGATIVE_INFINITY, bestRmse = Double.NaN;
        for (Regressor r : candidates) {
            double[] predicted = outOfFold(r, x, y, seed);
            double tau = tau(predicted, y);
            if (tau > bestTau) {
                bestTau = tau;
                best = r;
                double sse = 0;
                for (int i = 0; i < y.length; i++) sse += (predicted[i] - y[i]) * (predicted[i] - y[i]);
                bestRmse = Math.sqrt(sse / Math.max(1, y.length));
            }
        }
        return new Choice(best.name(), best.fit(x, y), bestTau, bestRmse);
    }

    /** Kendall's tau of {@code r}'s out-of-fold predictions against {@code y}. */
    public static double crossValidatedTau(Regressor r, double[][] x, double[] y, long seed) {
        return tau(outOfFold(r, x, y, seed), y);
    }

    /** Each point's prediction by {@code r} fitted to the other folds. */
    static double[] outOfFold(Regressor r, double[][] x, double[] y, long seed) {
        int n = y.length;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        int folds = Math.min(FOLDS, n);
        double[] predicted = new double[n];
        for (int f = 0; f < folds; f++) {
            List<double[]> tx = new ArrayList<>();
            List<Double> ty = new ArrayList<>();
            List<Integer> held = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                int i = order.get(k);
                if (k % folds == f) held.add(i);
                else {
                    tx.add(x[i]);
                    ty.add(y[i]);
                }
            }
            Regressor.Fitted fit = r.fit(tx.toArray(double[][]::new), ty.stream().mapToDouble(Double::doubleValue).toArray());
            for (int i : held) predicted[i] = fit.mean(x[i]);
        }
        return predicted;
    }

    /** Kendall's tau-b; 0 where either side is constant (no ranking to agree with). */
    public static double tau(double[] a, double[] b) {
        if (a.length < 2) return 0;
        double t = new KendallsCorrelation().correlation(a, b);
        return Double.isNaN(t) ? 0 : t;
    }
}
