package dev.lathe.eval.quality;

import dev.lathe.model.TensorData;

import java.util.List;

/**
 * The arithmetic of quality: per-sample outputs of the original and a candidate in, a {@link QualityReport} out.
 * Kept apart from running models so every figure can be checked against hand-computed values.
 */
public final class FidelityMetrics {
    /** How far a row may stray from summing to 1 and still count as probabilities (float32 softmax rounding). */
    static final double PROBABILITY_TOLERANCE = 1e-3;
    /** Floor for probabilities before the logarithm: a class the candidate gives exactly zero costs a large, finite KL. */
    static final double MIN_PROBABILITY = 1e-12;

    private FidelityMetrics() {}

    /**
     * Scores a classifier: top-1 agreement with the original, the KL divergence of the candidate's class
     * distribution from the original's (mean and largest), and with labels accuracy and, beyond five classes, top-5
     * accuracy. {@code probabilities} says the outputs are already probabilities; otherwise they are logits and
     * go through a softmax.
     */
    public static QualityReport classifier(List<float[]> reference, List<float[]> candidate, int[] labels, boolean probabilities) {
        int n = checkSameCount(reference, candidate);
        int agree = 0, correct = 0, correctTop5 = 0;
        double klSum = 0, klWorst = 0;
        boolean top5 = labels != null && n > 0 && reference.get(0).length > 5;
        for (int i = 0; i < n; i++) {
            float[] got = candidate.get(i);
            int predicted = argmax(got);
            if (predicted == argmax(reference.get(i))) agree++;
            if (labels != null) {
                if (predicted == labels[i]) correct++;
                if (top5 && rank(got, labels[i]) < 5) correctTop5++;
            }
            double kl = klDivergence(reference.get(i), got, probabilities);
            klSum += kl;
            klWorst = Math.max(klWorst, kl);
        }
        double agreement = n == 0 ? 0 : (double) agree / n;
        return new QualityReport(QualityReport.TOP1_AGREEMENT, agreement, agreement,
                labels == null ? null : (double) correct / n, n,
                top5 ? (double) correctTop5 / n : null, n == 0 ? null : klSum / n, n == 0 ? null : klWorst);
    }

    /** Mean and lowest cosine similarity between the original's and the candidate's output vectors. */
    public static QualityReport cosine(List<float[]> reference, List<float[]> candidate) {
        int n = checkSameCount(reference, candidate);
        double sum = 0, worst = 1;
        for (int i = 0; i < n; i++) {
            double c = TensorData.cosine(reference.get(i), candidate.get(i));
            sum += c;
            worst = Math.min(worst, c);
        }
        return new QualityReport(QualityReport.COSINE, n == 0 ? 0 : sum / n, worst, null, n);
    }

    /** True when every row is non-negative and sums to 1: softmax outputs, not logits. */
    public static boolean areProbabilities(List<float[]> rows) {
        if (rows.isEmpty()) return false;
        for (float[] row : rows) {
            double sum = 0;
            for (float v : row) {
                if (v < 0 || Float.isNaN(v)) return false;
                sum += v;
            }
            if (Math.abs(sum - 1) > PROBABILITY_TOLERANCE) return false;
        }
        return true;
    }

    /** KL(P || Q) in nats, P the original's distribution, Q the candidate's. */
    public static double klDivergence(float[] reference, float[] candidate, boolean probabilities) {
        if (reference.length != candidate.length)
            throw new IllegalArgumentException("outputs of " + reference.length + " and " + candidate.length + " classes cannot be compared");
        double[] logP = logDistribution(reference, probabilities), logQ = logDistribution(candidate, probabilities);
        double kl = 0;
        for (int i = 0; i < logP.length; i++) {
            double p = Math.exp(logP[i]);
            if (p > 0) kl += p * (logP[i] - logQ[i]);
        }
        return Math.max(0, kl); // rounding can take an exact match a hair below zero
    }

    /** Log-probabilities: a numerically stable log-softmax of logits, or the log of (renormalized) probabilities. */
    static double[] logDistribution(float[] row, boolean probabilities) {
        double[] out = new double[row.length];
        if (probabilities) {
            double sum = 0;
            for (float v : row) sum += Math.max(v, MIN_PROBABILITY);
            for (int i = 0; i < row.length; i++) out[i] = Math.log(Math.max(row[i], MIN_PROBABILITY) / sum);
            return out;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : row) max = Math.max(max, v);
        double sum = 0;
        for (float v : row) sum += Math.exp(v - max);
        double logSum = max + Math.log(sum);
        for (int i = 0; i < row.length; i++) out[i] = row[i] - logSum;
        return out;
    }

    /** Index of the largest value, the first one on ties. */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /**
     * The position class {@code k} takes when the row is sorted from largest down, ties broken by index as
     * {@link #argmax} does: 0 for the top-1 class. A label outside the row ranks last.
     */
    public static int rank(float[] row, int k) {
        if (k < 0 || k >= row.length) return row.length;
        int ahead = 0;
        for (int i = 0; i < row.length; i++)
            if (row[i] > row[k] || (row[i] == row[k] && i < k)) ahead++;
        return ahead;
    }

    private static int checkSameCount(List<float[]> reference, List<float[]> candidate) {
        if (reference.size() != candidate.size())
            throw new IllegalArgumentException(reference.size() + " reference outputs for " + candidate.size() + " candidate outputs");
        return reference.size();
    }
}
