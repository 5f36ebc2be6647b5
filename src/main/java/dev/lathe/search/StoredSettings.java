package dev.lathe.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.study.StudyStorage;

import java.util.Optional;

/**
 * A study's settings as its storage keeps them: the search settings and the measuring options in one document
 * ({@code {"version":1,"settings":…,"measuring":…}}; measuring is null in studies from before it was stored).
 */
public record StoredSettings(SearchSettings settings, MeasuringOptions measuring) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The settings {@code storage} holds, or empty for a new study. */
    public static Optional<StoredSettings> of(StudyStorage storage) {
        return storage.configuration().map(StoredSettings::fromJson);
    }

    public static StoredSettings fromJson(String json) {
        try {
            JsonNode doc = JSON.readTree(json);
            JsonNode measuring = doc.get("measuring");
            return new StoredSettings(SearchSettings.fromJson(doc.get("settings").toString()),
                    measuring == null || measuring.isNull() ? null : MeasuringOptions.fromJson(measuring.toString()));
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalArgumentException("study settings unreadable: " + e.getMessage(), e);
        }
    }

    public String toJson() {
        try {
            ObjectNode doc = JSON.createObjectNode().put("version", 1);
            doc.set("settings", JSON.readTree(settings.toJson()));
            doc.set("measuring", measuring == null ? null : JSON.readTree(measuring.toJson()));
            return JSON.writeValueAsString(doc);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void saveTo(StudyStorage storage) {
        storage.saveConfiguration(toJson());
    }
}
