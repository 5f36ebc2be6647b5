package dev.lathe.search.predictor;

/** A way of fitting one objective from feature vectors; the fit predicts a mean and a spread for any vector. */
public interface Regressor {
    String name();

    Fitted fit(double[][] x, double[] y);

    /** A fitted model; {@code sd} is its own estimate of how far off {@code mean} may be (0 where it has none). */
    interface Fitted {
        double mean(double[] x);

        double sd(double[] x);
    }
}
