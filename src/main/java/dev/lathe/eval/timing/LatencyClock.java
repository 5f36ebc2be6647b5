package dev.lathe.eval.timing;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/**
 * Which clock a latency figure is read on. {@code WALL} is elapsed time per run: what a user of the model
 * waits, but on a busy or shared machine it includes time spent waiting for a core. {@code CPU} is the CPU
 * time the measuring process spent per run (all its threads): steady under load, and equal to latency only
 * with one intra-op thread (with several it is their sum).
 */
public enum LatencyClock {
    WALL("wall", "wall clock"),
    CPU("cpu", "CPU time");

    private final String id;
    private final String label;

    LatencyClock(String id, String label) {
        this.id = id;
        this.label = label;
    }

    @JsonValue
    public String id() { return id; }

    /** "wall clock" or "CPU time", for people. */
    public String label() { return label; }

    /** Null means a figure or study from before the choice existed: wall clock. */
    @JsonCreator
    public static LatencyClock parse(String id) {
        if (id == null) return WALL;
        for (LatencyClock c : values()) if (c.id.equals(id.trim().toLowerCase(Locale.ROOT))) return c;
        throw new IllegalArgumentException("unknown clock '" + id + "' (wall or cpu)");
    }

    /**
     * The clock the commands time on when none is asked for: CPU time where it is latency (the CPU provider, one
     * intra-op thread), since on a shared machine it spreads far less between runs than the wall clock (five
     * {@code bench} runs of MiniLM: 2.7–9.1% against 8.6–202% at load 3–18, docs/throughput.md); the wall clock
     * elsewhere (several threads, where CPU time is their sum, and GPUs, whose work CPU time misses).
     */
    public static LatencyClock defaultFor(String provider, int intraOpThreads) {
        return (provider == null || provider.equalsIgnoreCase("cpu")) && intraOpThreads == 1 ? CPU : WALL;
    }

    /** Why this clock with this many intra-op threads gives a figure that is not latency, or null when it is fine. */
    public String caveat(int intraOpThreads) {
        return this == CPU && intraOpThreads > 1
                ? "with " + intraOpThreads + " intra-op threads CPU time is the sum over the threads, not latency; it ranks candidates but does not say how long a run takes"
                : null;
    }
}
