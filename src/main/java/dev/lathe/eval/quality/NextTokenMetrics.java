package dev.lathe.eval.quality;

import java.util.List;

/**
 * The arithmetic of a language model's quality: the logits of the original and a candidate at every position of
 * the same token sequences in, a {@link QualityReport} out. Kept apart from running models so each figure can be
 * checked against a direct computation.
 * <ul>
 * <li>next-token agreement: the share of positions (all sequences pooled) where the candidate's most likely next
 * token is the original's; the worst case is the lowest share of one sequence;</li>
 * <li>KL divergence of the candidate's next-token distribution from the original's, in nats: the mean over every
 * position, and the largest mean of one sequence;</li>
 * <li>perplexity of the text: {@code exp} of the mean negative log-likelihood the model gives each actual next
 * token (positions 0..n-2 predicting tokens 1..n-1), for the candidate and for the original.</li>
 * </ul>
 */
public final class NextTokenMetrics {
    private NextTokenMetrics() {}

    /**
     * {@code reference.get(i)} and {@code candidate.get(i)} are the logits of sequence {@code tokens.get(i)}, row-major
     * [positions, vocabulary].
     */
    public static QualityReport score(List<float[]> reference, List<float[]> candidate, List<long[]> tokens, int vocabulary) {
        if (reference.size() != candidate.size() || reference.size() != tokens.size())
            throw new IllegalArgumentException(reference.size() + " reference outputs, " + candidate.size() + " candidate outputs and "
                    + tokens.size() + " token sequences");
        long positions = 0, agree = 0, predicted = 0;
        double klSum = 0, klWorst = 0, worstAgreement = 1, nllCandidate = 0, nllOriginal = 0;
        for (int s = 0; s < tokens.size(); s++) {
            long[] seq = tokens.get(s);
            float[] ref = reference.get(s), got = candidate.get(s);
            int n = seq.length;
            if (ref.length != (long) n * vocabulary || got.length != (long) n * vocabulary)
                throw new IllegalArgumentException("sequence " + (s + 1) + " of " + n + " tokens: logits of " + ref.length + " and " + got.length
                        + " values, expected " + (long) n * vocabulary + " (vocabulary " + vocabulary + ")");
            int seqAgree = 0;
            double seqKl = 0;
            for (int t = 0; t < n; t++) {
                float[] p = row(ref, t, vocabulary), q = row(got, t, vocabulary);
                if (FidelityMetrics.argmax(p) == FidelityMetrics.argmax(q)) seqAgree++;
                double[] logP = FidelityMetrics.logDistribution(p, false), logQ = FidelityMetrics.logDistribution(q, false);
                double kl = 0;
                for (int v = 0; v < vocabulary; v++) kl += Math.exp(logP[v]) * (logP[v] - logQ[v]);
                seqKl += Math.max(0, kl);
                if (t + 1 < n) {
                    int next = (int) seq[t + 1];
                    if (next < 0 || next >= vocabulary)
                        throw new IllegalArgumentException("token " + next + " of sequence " + (s + 1) + " is outside the vocabulary of " + vocabulary);
                    nllCandidate -= logQ[next];
                    nllOriginal -= logP[next];
                    predicted++;
                }
            }
            positions += n;
            agree += seqAgree;
            klSum += seqKl;
            if (n > 0) {
                worstAgreement = Math.min(worstAgreement, (double) seqAgree / n);
                klWorst = Math.max(klWorst, seqKl / n);
            }
        }
        double agreement = positions == 0 ? 0 : (double) agree / positions;
        Double kl = positions == 0 ? null : klSum / positions;
        Double ppl = predicted == 0 ? null : Math.exp(nllCandidate / predicted);
        Double pplOriginal = predicted == 0 ? null : Math.exp(nllOriginal / predicted);
        return new QualityReport(QualityReport.NEXT_TOKEN_AGREEMENT, agreement, positions == 0 ? 0 : worstAgreement, null, tokens.size(),
                null, kl, positions == 0 ? null : klWorst, ppl, pplOriginal);
    }

    private static float[] row(float[] logits, int position, int vocabulary) {
        float[] r = new float[vocabulary];
        System.arraycopy(logits, position * vocabulary, r, 0, vocabulary);
        return r;
    }
}
