package dev.lathe.search;

import dev.lathe.config.MeasuringConfig;

/**
 * When the original is measured again as the drift reference: at the start, every {@code referenceEvery}
 * candidates or {@code referenceMinutes}, whichever comes first, and after the last candidate.
 */
final class ReferenceSchedule {
    private final int every;
    private final double minutes;
    private int since;
    private long last;

    ReferenceSchedule(MeasuringConfig measuring) {
        this.every = measuring.referenceEvery();
        this.minutes = measuring.referenceMinutes();
    }

    /** A reference was measured just now. */
    void measured() {
        since = 0;
        last = System.nanoTime();
    }

    /** A candidate was measured. */
    void candidate() {
        since++;
    }

    /** Whether the next candidate should wait for a reference. */
    boolean due() {
        return since >= every || (System.nanoTime() - last) / 60e9 >= minutes;
    }

    /** Whether candidates were measured since the last reference (the closing one is then due). */
    boolean pending() {
        return since > 0;
    }
}
