package dev.lathe.eval.quality;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How close a candidate stays to the original on the evaluation samples. {@code fidelity} is the mean cosine
 * similarity (embedders, other float outputs; {@code worstCase} is then the lowest) or the top-1 agreement
 * (classifiers; {@code worstCase} repeats it); {@code accuracy} is null without labels. {@link #quality()} is the
 * figure the search optimises. Classifiers also carry the KL divergence of the candidate's class distribution
 * from the original's (mean and largest, in nats) and, with labels and more than five classes, top-5 accuracy;
 * these are null where they do not apply. Language models ({@link #NEXT_TOKEN_AGREEMENT}) carry the KL divergence of
 * the next-token distributions and the perplexity of the candidate (and of the original) on the evaluation text.
 * {@code stoppedEarlyOf} is the number of evaluation samples when scoring stopped early (the figures then cover the
 * first {@code samples} only), null for a full run.
 */
public record QualityReport(String metric, double fidelity, double worstCase, Double accuracy, int samples,
                            Double top5Accuracy, Double klDivergence, Double worstKlDivergence,
                            Double perplexity, Double originalPerplexity, Integer stoppedEarlyOf) {
    public static final String COSINE = "cosine";
    public static final String TOP1_AGREEMENT = "top1_agreement";
    /** A decoder's share of positions whose most likely next token is the original's. */
    public static final String NEXT_TOKEN_AGREEMENT = "next_token_agreement";

    /** A report of a language model's run over every sample. */
    public QualityReport(String metric, double fidelity, double worstCase, Double accuracy, int samples,
                         Double top5Accuracy, Double klDivergence, Double worstKlDivergence,
                         Double perplexity, Double originalPerplexity) {
        this(metric, fidelity, worstCase, accuracy, samples, top5Accuracy, klDivergence, worstKlDivergence, perplexity, originalPerplexity, null);
    }

    /** A report of a run over every sample. */
    public QualityReport(String metric, double fidelity, double worstCase, Double accuracy, int samples,
                         Double top5Accuracy, Double klDivergence, Double worstKlDivergence) {
        this(metric, fidelity, worstCase, accuracy, samples, top5Accuracy, klDivergence, worstKlDivergence, null, null, null);
    }

    /**
     * The same figures, marked as a run stopped after {@link #samples} of {@code total} samples because the candidate
     * could no longer reach the quality bound ({@link QualityEvaluator#evaluate(byte[], Double)}).
     */
    public QualityReport stoppedEarly(int total) {
        return new QualityReport(metric, fidelity, worstCase, accuracy, samples, top5Accuracy, klDivergence, worstKlDivergence, perplexity, originalPerplexity, total);
    }

    /** Whether scoring stopped before the last sample: the figures then cover {@link #samples} of {@link #stoppedEarlyOf}. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isStoppedEarly() { return stoppedEarlyOf != null; }

    /** A report with fidelity and accuracy only. */
    public QualityReport(String metric, double fidelity, double worstCase, Double accuracy, int samples) {
        this(metric, fidelity, worstCase, accuracy, samples, null, null, null, null, null, null);
    }

    public double quality() {
        return accuracy != null ? accuracy : fidelity;
    }

    public String qualityMetric() {
        return accuracy != null ? "accuracy" : metric;
    }

    /**
     * Every figure that applies, by the name the CLI and reports print it under, in a fixed order:
     * {@code accuracy}, {@code top5_accuracy}, then {@code top1_agreement} or {@code cosine} and {@code cosine_worst},
     * or {@code next_token_agreement} and {@code next_token_agreement_worst}, then {@code kl_divergence} and
     * {@code kl_divergence_worst}, then {@code perplexity} and {@code perplexity_original}.
     */
    public Map<String, Double> figures() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (accuracy != null) out.put("accuracy", accuracy);
        if (top5Accuracy != null) out.put("top5_accuracy", top5Accuracy);
        out.put(metric, fidelity);
        if (COSINE.equals(metric)) out.put("cosine_worst", worstCase);
        if (NEXT_TOKEN_AGREEMENT.equals(metric)) out.put("next_token_agreement_worst", worstCase);
        if (klDivergence != null) out.put("kl_divergence", klDivergence);
        if (worstKlDivergence != null) out.put("kl_divergence_worst", worstKlDivergence);
        if (perplexity != null) out.put("perplexity", perplexity);
        if (originalPerplexity != null) out.put("perplexity_original", originalPerplexity);
        return out;
    }
}
