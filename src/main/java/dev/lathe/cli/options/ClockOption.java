package dev.lathe.cli.options;

import dev.lathe.eval.timing.LatencyClock;

/** The {@code --clock} option's help and parsing, shared by the commands that time models. */
public final class ClockOption {
    public static final String HELP = "what latency is timed on: wall (elapsed time per run, what a caller waits) or cpu (CPU time this process "
            + "spends per run: steadier on a busy or shared machine, and for single-thread timing the better way to rank candidates; "
            + "with several intra-op threads it is the sum over the threads, not latency), or auto: cpu with one intra-op thread on the "
            + "CPU provider, wall otherwise. The other clock's median is reported beside it.";

    /** The value the commands' {@code --clock} defaults to: {@link LatencyClock#defaultFor}. */
    public static final String AUTO = "auto";

    private ClockOption() {}

    public static LatencyClock parse(picocli.CommandLine commandLine, String value) {
        try {
            return LatencyClock.parse(value);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(commandLine, "--clock: " + e.getMessage());
        }
    }

    /** {@code value} ("auto", "wall" or "cpu"), where auto is the clock {@link LatencyClock#defaultFor} picks for this provider and thread count. */
    public static LatencyClock parse(picocli.CommandLine commandLine, String value, String provider, int threads) {
        if (value != null && AUTO.equalsIgnoreCase(value.trim())) return LatencyClock.defaultFor(provider, threads);
        return parse(commandLine, value);
    }

    /** A warning line when the clock does not give latency at this thread count, else null. */
    public static String warning(LatencyClock clock, int threads) {
        String caveat = clock.caveat(threads);
        return caveat == null ? null : "WARNING: --clock cpu " + caveat;
    }
}
