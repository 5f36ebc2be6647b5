package dev.lathe.study;

/**
 * A study candidate after distillation, kept apart from its measured figures: the measured front stays what was
 * measured, and a reader who shows distilled figures says so. {@code candidateId} is the measured candidate it came
 * from; {@code settingsJson} the distillation's settings as its report wrote them; {@code dataFingerprint} the
 * training data's; quality before and after are on the evaluation part of the data, which training never saw.
 * Latency and size are null when not measured; {@code outPath} is null when nothing was exported (a search's
 * distillation keeps only the figures).
 */
public record DistilledCandidate(long id, long candidateId, String settingsJson, String dataFingerprint, int steps,
                                 String qualityMetric, double qualityBefore, double qualityAfter, Double latencyMs, Long sizeBytes,
                                 String outPath, String recordedAt) {

    /** A new row to record (its id is given by the storage). */
    public static DistilledCandidate of(long candidateId, String settingsJson, String dataFingerprint, int steps, String qualityMetric,
                                        double qualityBefore, double qualityAfter, Double latencyMs, Long sizeBytes, String outPath) {
        return new DistilledCandidate(0, candidateId, settingsJson, dataFingerprint, steps, qualityMetric, qualityBefore, qualityAfter,
                latencyMs, sizeBytes, outPath, java.time.Instant.now().toString());
    }

    /** How much quality distillation recovered (after minus before). */
    public double recovered() {
        return qualityAfter - qualityBefore;
    }

    public DistilledCandidate withId(long newId) {
        return new DistilledCandidate(newId, candidateId, settingsJson, dataFingerprint, steps, qualityMetric, qualityBefore, qualityAfter,
                latencyMs, sizeBytes, outPath, recordedAt);
    }
}
