package dev.lathe.study;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Optional;

/**
 * A candidate whose quality run stopped once it could no longer meet the study's quality bound: it keeps the figures
 * of the samples scored ({@code samples}) and the size of the full set ({@code total}), read from the quality report
 * the study stores. It is never on the front.
 */
public record StoppedEarly(int samples, int total) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The early stop of {@code c}'s quality run, or empty for a full run (and for candidates without quality). */
    public static Optional<StoppedEarly> of(CandidateRecord c) {
        String json = c.qualityJson();
        if (json == null || !json.contains("stoppedEarlyOf")) return Optional.empty();
        try {
            JsonNode n = JSON.readTree(json);
            JsonNode total = n.get("stoppedEarlyOf");
            if (total == null || total.isNull()) return Optional.empty();
            return Optional.of(new StoppedEarly(n.path("samples").asInt(), total.asInt()));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    public static boolean is(CandidateRecord c) { return of(c).isPresent(); }

    /** "stopped early after 40 of 200 samples". */
    public String describe() {
        return "stopped early after " + samples + " of " + total + " samples";
    }
}
