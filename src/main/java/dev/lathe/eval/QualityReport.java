package dev.lathe.eval;

/**
 * How close a candidate stays to the original on the evaluation samples. {@code fidelity} is the mean cosine
 * similarity (embedders, other float outputs) or the top-1 agreement (classifiers); {@code accuracy} is null
 * without labels. {@link #quality()} is the figure the search optimises.
 */
public record QualityReport(String metric, double fidelity, double worstCase, Double accuracy, int samples) {
    public double quality() {
        return accuracy != null ? accuracy : fidelity;
    }

    public String qualityMetric() {
        return accuracy != null ? "accuracy" : metric;
    }
}
