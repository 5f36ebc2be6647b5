package dev.lathe.study;

/**
 * What the predictor strategy knew when it proposed a generation: how many candidates it was fitted on, whether
 * it used its predictions ({@code predicted}), fell back to plain NSGA-II because a predictor ranked too poorly
 * ({@code fallback}) or had too little data yet ({@code warm-up}); the cross-validated Kendall tau of the cost and
 * quality predictors and the quality model chosen; and, for the batch it proposed last time, now measured, the
 * out-of-sample tau and mean error of what it had predicted (cost: mean |log(predicted/measured)|, about the
 * relative error; quality: mean absolute error). Null where there was nothing to compute it from.
 */
public record PredictorReport(int measured, String mode, String qualityModel, Double cvTauCost, Double cvTauQuality,
                              int batchSize, Double batchTauCost, Double batchTauQuality, Double batchErrorCost, Double batchErrorQuality,
                              int predictedEvaluations) {

    /** One line for logs and the command line. */
    public String describe() {
        StringBuilder s = new StringBuilder("after " + measured + " measured: " + mode);
        if (cvTauCost != null) s.append(String.format(", cv tau cost %.2f, quality %.2f (%s)", cvTauCost, cvTauQuality, qualityModel));
        if (batchSize > 0) s.append(String.format(", last batch of %d: tau cost %s, quality %s, error cost %s, quality %s", batchSize,
                figure(batchTauCost, "%.2f"), figure(batchTauQuality, "%.2f"), figure(batchErrorCost == null ? null : batchErrorCost * 100, "%.1f%%"),
                figure(batchErrorQuality, "%.4f")));
        if (predictedEvaluations > 0) s.append(", ").append(predictedEvaluations).append(" predicted evaluations");
        return s.toString();
    }

    private static String figure(Double v, String format) {
        return v == null ? "-" : String.format(format, v);
    }
}
