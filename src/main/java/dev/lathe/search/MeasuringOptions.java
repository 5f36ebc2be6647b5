package dev.lathe.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.eval.ExecutionProviders;
import dev.lathe.study.Objective;

import java.util.Locale;

/**
 * How a search measures, beyond {@link SearchSettings}: the execution provider, the confidence the median
 * must reach ({@code tolerancePct}, half-width of its 95% interval), how often the original is re-measured
 * as the drift reference (every {@code referenceEvery} candidates or {@code referenceMinutes}, whichever
 * comes first), the objective traded against quality ({@link Objective}), and whether candidates are measured in a worker process ({@code isolated}, the default)
 * with a per-candidate {@code timeoutSeconds} and heap. Stored in the study; a resumed study keeps its
 * provider, tolerance and objective so old and new figures compare.
 */
public record MeasuringOptions(String provider, double tolerancePct, int referenceEvery, double referenceMinutes, Objective objective,
                               boolean isolated, double timeoutSeconds, String workerHeap) {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    public static final MeasuringOptions DEFAULT = new MeasuringOptions("cpu", 2.0, 5, 2.0, Objective.LATENCY, true, 300, null);

    public MeasuringOptions {
        provider = provider == null ? "cpu" : provider.toLowerCase(Locale.ROOT);
        if (!ExecutionProviders.IDS.contains(provider))
            throw new IllegalArgumentException("unknown provider '" + provider + "' (cpu or cuda)");
        if (!(tolerancePct > 0 && tolerancePct < 100)) throw new IllegalArgumentException("tolerance must be between 0 and 100 %, got " + tolerancePct);
        if (referenceEvery < 1) throw new IllegalArgumentException("the reference must be re-measured at least every 1 candidate, got " + referenceEvery);
        if (!(referenceMinutes > 0)) throw new IllegalArgumentException("reference interval must be positive minutes, got " + referenceMinutes);
        if (objective == null) objective = Objective.LATENCY;
        if (!(timeoutSeconds > 0)) throw new IllegalArgumentException("timeout must be positive seconds, got " + timeoutSeconds);
    }

    public MeasuringOptions withProvider(String p) {
        return new MeasuringOptions(p, tolerancePct, referenceEvery, referenceMinutes, objective, isolated, timeoutSeconds, workerHeap);
    }

    public MeasuringOptions withIsolation(boolean i) {
        return new MeasuringOptions(provider, tolerancePct, referenceEvery, referenceMinutes, objective, i, timeoutSeconds, workerHeap);
    }

    public MeasuringOptions withObjective(Objective o) {
        return new MeasuringOptions(provider, tolerancePct, referenceEvery, referenceMinutes, o, isolated, timeoutSeconds, workerHeap);
    }

    public MeasuringOptions withTimeout(double s) {
        return new MeasuringOptions(provider, tolerancePct, referenceEvery, referenceMinutes, objective, isolated, s, workerHeap);
    }

    /** What a resumed study must keep from the options it was started with; the rest is this run's choice. */
    public MeasuringOptions keepingStudy(MeasuringOptions stored) {
        return new MeasuringOptions(stored.provider, stored.tolerancePct, stored.referenceEvery, stored.referenceMinutes, stored.objective,
                isolated, timeoutSeconds, workerHeap);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MeasuringOptions fromJson(String json) {
        try {
            return JSON.readValue(json, MeasuringOptions.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("study measuring options unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
