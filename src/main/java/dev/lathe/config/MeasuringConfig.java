package dev.lathe.config;

import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.study.Objective;

/**
 * How a study measures: the execution provider, the clock latency is timed on and the intra-op threads, the
 * quick protocol or the confidence the median must reach ({@code tolerancePct}, half-width of its 95% interval),
 * how often the original is re-measured as the drift reference (every {@code referenceEvery} candidates or
 * {@code referenceMinutes}, whichever comes first), the objective traded against quality, and whether candidates
 * are measured in a worker process ({@code isolated}) with a per-candidate timeout and heap. The last three are
 * each run's own choice; the rest a resumed study keeps ({@link #keepingStudy}) so old and new figures compare.
 */
public record MeasuringConfig(Provider provider, LatencyClock clock, int threads, boolean quickTiming, double tolerancePct, int referenceEvery,
                              double referenceMinutes, Objective objective, boolean isolated, double timeoutSeconds, String workerHeap) {
    public static final MeasuringConfig DEFAULT = new MeasuringConfig(Provider.CPU, LatencyClock.WALL, 1, false, 2.0, 5, 2.0, Objective.LATENCY,
            true, 300, null);

    public MeasuringConfig {
        if (provider == null) provider = Provider.CPU;
        if (clock == null) clock = LatencyClock.WALL;
        if (objective == null) objective = Objective.LATENCY;
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (!(tolerancePct > 0 && tolerancePct < 100)) throw new IllegalArgumentException("tolerance must be between 0 and 100 %, got " + tolerancePct);
        if (referenceEvery < 1) throw new IllegalArgumentException("the reference must be re-measured at least every 1 candidate, got " + referenceEvery);
        if (!(referenceMinutes > 0)) throw new IllegalArgumentException("reference interval must be positive minutes, got " + referenceMinutes);
        if (!(timeoutSeconds > 0)) throw new IllegalArgumentException("timeout must be positive seconds, got " + timeoutSeconds);
    }

    public MeasuringConfig withProvider(Provider p) {
        return new MeasuringConfig(p, clock, threads, quickTiming, tolerancePct, referenceEvery, referenceMinutes, objective, isolated, timeoutSeconds, workerHeap);
    }

    public MeasuringConfig withClock(LatencyClock c) {
        return new MeasuringConfig(provider, c, threads, quickTiming, tolerancePct, referenceEvery, referenceMinutes, objective, isolated, timeoutSeconds, workerHeap);
    }

    public MeasuringConfig withObjective(Objective o) {
        return new MeasuringConfig(provider, clock, threads, quickTiming, tolerancePct, referenceEvery, referenceMinutes, o, isolated, timeoutSeconds, workerHeap);
    }

    public MeasuringConfig withIsolation(boolean i) {
        return new MeasuringConfig(provider, clock, threads, quickTiming, tolerancePct, referenceEvery, referenceMinutes, objective, i, timeoutSeconds, workerHeap);
    }

    public MeasuringConfig withTimeout(double s) {
        return new MeasuringConfig(provider, clock, threads, quickTiming, tolerancePct, referenceEvery, referenceMinutes, objective, isolated, s, workerHeap);
    }

    /** The study's own measuring with this run's isolation, timeout and heap: what a resumed search measures with. */
    public MeasuringConfig keepingStudy(MeasuringConfig stored) {
        return new MeasuringConfig(stored.provider, stored.clock, stored.threads, stored.quickTiming, stored.tolerancePct, stored.referenceEvery,
                stored.referenceMinutes, stored.objective, isolated, timeoutSeconds, workerHeap);
    }

    /** The timing protocol: the quick one, or the default at this tolerance. */
    public TimingProtocol protocol() {
        return quickTiming ? TimingProtocol.QUICK : TimingProtocol.DEFAULT.withTolerance(tolerancePct / 100);
    }
}
