package dev.lathe.study;

/**
 * A front candidate's speed-up confirmed after its search: timed interleaved with the original, A B B A, in one
 * measuring process ({@link dev.lathe.eval.timing.InterleavedComparison}), kept beside the search's own figure
 * ({@link Study#speedup}). {@code low} and {@code high} bound the median ratio at 95%; the times are the median
 * single runs of each model on {@code clock}; {@code measuredAt} is ISO-8601; {@code device} is the pool device it was
 * timed on, null for this machine (a search without a pool).
 */
public record ConfirmedSpeedup(long candidateId, double speedup, double low, double high, double originalMs, double candidateMs,
                               int cycles, String clock, String measuredAt, String device) {
    /** Confirmed on this machine. */
    public ConfirmedSpeedup(long candidateId, double speedup, double low, double high, double originalMs, double candidateMs,
                            int cycles, String clock, String measuredAt) {
        this(candidateId, speedup, low, high, originalMs, candidateMs, cycles, clock, measuredAt, null);
    }

    /**
     * What the confirmed column means, naming the pool devices the confirmations were timed on where they were:
     * "the original's time over the candidate's, timed interleaved A B B A in one worker after the search (on device alpha)".
     */
    public static String legend(java.util.Collection<ConfirmedSpeedup> confirmations) {
        java.util.Set<String> devices = new java.util.TreeSet<>();
        for (ConfirmedSpeedup c : confirmations) if (c.device() != null) devices.add(c.device());
        return "the original's time over the candidate's, timed interleaved A B B A in one worker after the search"
                + (devices.isEmpty() ? "" : " (on device " + String.join(", ", devices) + ")");
    }

    /** "1.03x (1.01-1.05, 60 ABBA cycles)". */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%.2fx (%.2f-%.2f, %d ABBA cycles)", speedup, low, high, cycles);
    }
}
