package dev.lathe.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * How a study searches and measures; stored in the study file so a resumed search measures the same way.
 * {@code dataPath} and {@code tokenizerPath} are null for random inputs.
 */
public record SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                             String strategy, String dataPath, String tokenizerPath, boolean quickTiming) {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public SearchSettings {
        if (budget < 1) throw new IllegalArgumentException("budget must be at least 1 candidate, got " + budget);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (sequenceLength < 1) throw new IllegalArgumentException("sequence length must be at least 1, got " + sequenceLength);
        if (populationSize < 2) throw new IllegalArgumentException("population must be at least 2, got " + populationSize);
        if (!strategy.equals("nsga2") && !strategy.equals("random")) throw new IllegalArgumentException("unknown strategy '" + strategy + "' (nsga2 or random)");
    }

    public static SearchSettings defaults() {
        return new SearchSettings(40, 1, 1, 1, 128, 12, "nsga2", null, null, false);
    }

    public SearchSettings withBudget(int b) {
        return new SearchSettings(b, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SearchSettings fromJson(String json) {
        try {
            return JSON.readValue(json, SearchSettings.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("study settings unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
