package dev.lathe.search.predictor;

/** Centres and scales each feature column by its training mean and standard deviation; a constant column becomes 0. */
final class Standardizer {
    private final double[] mean;
    private final double[] scale;

    Standardizer(double[][] x) {
        int p = x.length == 0 ? 0 : x[0].length;
        mean = new double[p];
        scale = new double[p];
        for (double[] row : x) for (int j = 0; j < p; j++) mean[j] += row[j] / x.length;
        for (double[] row : x) for (int j = 0; j < p; j++) scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / x.length;
        for (int j = 0; j < p; j++) scale[j] = scale[j] > 1e-24 ? Math.sqrt(scale[j]) : 0;
    }

    double[] apply(double[] row) {
        double[] out = new double[mean.length];
        for (int j = 0; j < mean.length; j++) out[j] = scale[j] == 0 ? 0 : (row[j] - mean[j]) / scale[j];
        return out;
    }

    double[][] apply(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) out[i] = apply(x[i]);
        return out;
    }
}
