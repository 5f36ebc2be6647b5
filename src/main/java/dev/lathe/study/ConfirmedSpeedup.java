package dev.lathe.study;

/**
 * A front candidate's speed-up confirmed after its search: timed interleaved with the original, A B B A, in one
 * measuring process ({@link dev.lathe.eval.timing.InterleavedComparison}), kept beside the search's own figure
 * ({@link Study#speedup}). {@code low} and {@code high} bound the median ratio at 95%; the times are the median
 * single runs of each model on {@code clock}; {@code measuredAt} is ISO-8601.
 */
public record ConfirmedSpeedup(long candidateId, double speedup, double low, double high, double originalMs, double candidateMs,
                               int cycles, String clock, String measuredAt) {
    /** "1.03x (1.01-1.05, 60 ABBA cycles)". */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%.2fx (%.2f-%.2f, %d ABBA cycles)", speedup, low, high, cycles);
    }
}
