package dev.lathe.search.predictor;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * Ridge regression on standardized features with an unpenalized intercept, its penalty chosen by exact
 * leave-one-out error from the hat matrix (e_i = r_i / (1 - h_ii), no refits) over a log grid. The spread it
 * reports is the leave-one-out residual standard deviation, the same for every vector: a {@link BootstrapEnsemble}
 * of it gives one that varies.
 */
public final class RidgeRegression implements Regressor {
    static final double[] LAMBDAS = {1e-3, 1e-2, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000};
    private final Double fixedLambda;

    public RidgeRegression() { this(null); }

    /** With {@code lambda} fixed (no search); null searches the grid. */
    RidgeRegression(Double lambda) { this.fixedLambda = lambda; }

    @Override
    public String name() { return "ridge"; }

    /** A fit: coefficients on standardized features, the intercept, the penalty picked and its leave-one-out RMSE. */
    public record Fit(Standardizer scaler, double[] beta, double intercept, double lambda, double looRmse) implements Fitted {
        @Override
        public double mean(double[] x) {
            double[] z = scaler.apply(x);
            double s = intercept;
            for (int j = 0; j < z.length; j++) s += beta[j] * z[j];
            return s;
        }

        @Override
        public double sd(double[] x) { return looRmse; }
    }

    @Override
    public Fit fit(double[][] x, double[] y) {
        int n = y.length;
        if (n == 0) throw new IllegalArgumentException("nothing to fit");
        Standardizer scaler = new Standardizer(x);
        double[][] z = scaler.apply(x);
        int p = z[0].length;
        double yMean = 0;
        for (double v : y) yMean += v / n;
        DMatrixRMaj xm = new DMatrixRMaj(z);
        DMatrixRMaj yc = new DMatrixRMaj(n, 1);
        for (int i = 0; i < n; i++) yc.set(i, 0, y[i] - yMean);
        DMatrixRMaj gram = new DMatrixRMaj(p, p);
        CommonOps_DDRM.multTransA(xm, xm, gram);
        DMatrixRMaj xty = new DMatrixRMaj(p, 1);
        CommonOps_DDRM.multTransA(xm, yc, xty);
        Fit best = null;
        for (double lambda : fixedLambda != null ? new double[] {fixedLambda} : LAMBDAS) {
            DMatrixRMaj a = gram.copy();
            for (int j = 0; j < p; j++) a.add(j, j, lambda);
            DMatrixRMaj inv = new DMatrixRMaj(p, p);
            if (!CommonOps_DDRM.invert(a, inv)) continue;
            DMatrixRMaj beta = new DMatrixRMaj(p, 1);
            CommonOps_DDRM.mult(inv, xty, beta);
            double sse = 0;
            for (int i = 0; i < n; i++) {
                double fitted = 0, h = 1.0 / n; // the intercept's share of the hat matrix
                for (int j = 0; j < p; j++) fitted += z[i][j] * beta.get(j, 0);
                for (int j = 0; j < p; j++) {
                    double row = 0;
                    for (int k = 0; k < p; k++) row += inv.get(j, k) * z[i][k];
                    h += z[i][j] * row;
                }
                double e = (yc.get(i, 0) - fitted) / Math.max(1 - h, 1e-6);
                sse += e * e;
            }
            double rmse = Math.sqrt(sse / n);
            if (best == null || rmse < best.looRmse()) best = new Fit(scaler, beta.getData().clone(), yMean, lambda, rmse);
        }
        if (best == null) throw new IllegalStateException("ridge system singular for every penalty");
        return best;
    }
}
