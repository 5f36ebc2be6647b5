package dev.lathe.search.predictor;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

import java.util.Arrays;

/**
 * A small Gaussian process: squared-exponential kernel on standardized features, targets centred and scaled to
 * unit variance, length scale (a multiple of the median distance between training points) and noise picked by
 * the exact leave-one-out predictive log likelihood (Rasmussen and Williams, eq. 5.10-5.12: no refits). Its
 * spread is the posterior standard deviation of the latent function, large far from what was measured.
 */
public final class GaussianProcess implements Regressor {
    private static final double[] LENGTH_FACTORS = {0.25, 0.35, 0.5, 0.7, 1, 1.4, 2};
    private static final double[] NOISES = {1e-3, 1e-2, 0.05, 0.2};

    @Override
    public String name() { return "gaussian process"; }

    @Override
    public Fitted fit(double[][] x, double[] y) {
        int n = y.length;
        Standardizer scaler = new Standardizer(x);
        double[][] z = scaler.apply(x);
        double mean = Arrays.stream(y).average().orElse(0);
        double var = Arrays.stream(y).map(v -> (v - mean) * (v - mean)).sum() / Math.max(1, n);
        double scale = var > 1e-24 ? Math.sqrt(var) : 1;
        double[] t = Arrays.stream(y).map(v -> (v - mean) / scale).toArray();
        double[][] d2 = new double[n][n];
        double[] pairs = new double[Math.max(1, n * (n - 1) / 2)];
        int k = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                d2[i][j] = d2[j][i] = squaredDistance(z[i], z[j]);
                pairs[k++] = d2[i][j];
            }
        Arrays.sort(pairs, 0, k);
        double median = k == 0 ? 1 : Math.max(Math.sqrt(pairs[k / 2]), 1e-6);
        Candidate best = null;
        for (double f : LENGTH_FACTORS)
            for (double noise : NOISES) {
                double ell = f * median;
                DMatrixRMaj kinv = inverse(kernel(d2, ell, noise));
                if (kinv == null) continue;
                double[] alpha = new double[n];
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) alpha[i] += kinv.get(i, j) * t[j];
                double nlpd = 0;
                for (int i = 0; i < n; i++) {
                    double s2 = 1 / kinv.get(i, i);
                    double r = alpha[i] * s2; // y_i minus its leave-one-out mean
                    nlpd += 0.5 * Math.log(s2) + r * r / (2 * s2);
                }
                if (best == null || nlpd < best.nlpd) best = new Candidate(ell, kinv, alpha, nlpd);
            }
        if (best == null) throw new IllegalStateException("kernel matrix singular for every setting");
        Candidate c = best;
        return new Fitted() {
            @Override
            public double mean(double[] v) {
                double[] ks = cross(scaler.apply(v));
                double s = 0;
                for (int i = 0; i < n; i++) s += ks[i] * c.alpha[i];
                return mean + scale * s;
            }

            @Override
            public double sd(double[] v) {
                double[] ks = cross(scaler.apply(v));
                double q = 0;
                for (int i = 0; i < n; i++) {
                    double row = 0;
                    for (int j = 0; j < n; j++) row += c.kinv.get(i, j) * ks[j];
                    q += ks[i] * row;
                }
                return scale * Math.sqrt(Math.max(0, 1 - q));
            }

            private double[] cross(double[] zv) {
                double[] ks = new double[n];
                for (int i = 0; i < n; i++) ks[i] = Math.exp(-squaredDistance(zv, z[i]) / (2 * c.ell * c.ell));
                return ks;
            }
        };
    }

    private record Candidate(double ell, DMatrixRMaj kinv, double[] alpha, double nlpd) {}

    private static DMatrixRMaj kernel(double[][] d2, double ell, double noise) {
        int n = d2.length;
        DMatrixRMaj k = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) k.set(i, j, Math.exp(-d2[i][j] / (2 * ell * ell)) + (i == j ? noise : 0));
        return k;
    }

    private static DMatrixRMaj inverse(DMatrixRMaj k) {
        LinearSolverDense<DMatrixRMaj> chol = LinearSolverFactory_DDRM.chol(k.numRows);
        if (!chol.setA(k.copy())) return null;
        DMatrixRMaj inv = new DMatrixRMaj(k.numRows, k.numCols);
        chol.invert(inv);
        return inv;
    }

    private static double squaredDistance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s;
    }
}
