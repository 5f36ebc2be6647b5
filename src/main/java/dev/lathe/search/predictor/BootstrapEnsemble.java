package dev.lathe.search.predictor;

import java.util.Random;

/**
 * Bagged ridge regressions: the penalty is chosen once by leave-one-out on all the data, then each member is
 * fitted to a resample drawn with replacement; the mean is the members' mean and the spread their standard
 * deviation, which grows where the data leave the fit undetermined (genes never varied together).
 */
public final class BootstrapEnsemble implements Regressor {
    private final int members;
    private final long seed;

    public BootstrapEnsemble(int members, long seed) {
        this.members = members;
        this.seed = seed;
    }

    @Override
    public String name() { return "bagged ridge"; }

    @Override
    public Fitted fit(double[][] x, double[] y) {
        RidgeRegression.Fit full = new RidgeRegression().fit(x, y);
        RidgeRegression fixed = new RidgeRegression(full.lambda());
        Random rnd = new Random(seed);
        RidgeRegression.Fit[] fits = new RidgeRegression.Fit[members];
        for (int m = 0; m < members; m++) {
            double[][] bx = new double[y.length][];
            double[] by = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                int k = rnd.nextInt(y.length);
                bx[i] = x[k];
                by[i] = y[k];
            }
            fits[m] = fixed.fit(bx, by);
        }
        return new Fitted() {
            @Override
            public double mean(double[] v) { return full.mean(v); }

            @Override
            public double sd(double[] v) {
                double s = 0, s2 = 0;
                for (RidgeRegression.Fit f : fits) {
                    double p = f.mean(v);
                    s += p;
                    s2 += p * p;
                }
                double m = s / fits.length;
                return Math.sqrt(Math.max(0, s2 / fits.length - m * m));
            }
        };
    }
}
