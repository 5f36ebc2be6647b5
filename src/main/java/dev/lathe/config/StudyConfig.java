package dev.lathe.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.study.Constraints;
import dev.lathe.study.StudyStorage;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a study is searched and measured with, in typed parts: the search, the data, pruning, precision,
 * measuring, the constraints a candidate must meet to be on the front and the keep ranges of the search space.
 * Stored in the study as versioned JSON ({@value #VERSION}: one object per part); the settings of studies from
 * before it (version 1, and the bare settings object before that) still load, read as they were searched.
 */
public record StudyConfig(SearchConfig search, DataConfig data, PruningConfig pruning, PrecisionConfig precision, MeasuringConfig measuring,
                          Constraints constraints, KeepRanges keepRanges) {
    public static final int VERSION = 2;

    /** Made on first use: the window reads the defaults at startup, and Jackson takes a third of a second to load. */
    static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    public StudyConfig {
        if (search == null) search = SearchConfig.DEFAULT;
        if (data == null) data = DataConfig.DEFAULT;
        if (pruning == null) pruning = PruningConfig.CALIBRATED;
        if (precision == null) precision = PrecisionConfig.DEFAULT;
        if (measuring == null) measuring = MeasuringConfig.DEFAULT;
        if (constraints == null) constraints = Constraints.NONE;
        if (keepRanges == null) keepRanges = KeepRanges.DEFAULT;
    }

    /** A new study's configuration: 40 candidates by NSGA-II, calibrated pruning, the default precisions, wall-clock timing. */
    public static StudyConfig defaults() {
        return new StudyConfig(null, null, null, null, null, null, null);
    }

    public StudyConfig with(SearchConfig s) { return new StudyConfig(s, data, pruning, precision, measuring, constraints, keepRanges); }

    public StudyConfig with(DataConfig d) { return new StudyConfig(search, d, pruning, precision, measuring, constraints, keepRanges); }

    public StudyConfig with(PruningConfig p) { return new StudyConfig(search, data, p, precision, measuring, constraints, keepRanges); }

    public StudyConfig with(PrecisionConfig p) { return new StudyConfig(search, data, pruning, p, measuring, constraints, keepRanges); }

    public StudyConfig with(MeasuringConfig m) { return new StudyConfig(search, data, pruning, precision, m, constraints, keepRanges); }

    public StudyConfig with(Constraints c) { return new StudyConfig(search, data, pruning, precision, measuring, c, keepRanges); }

    public StudyConfig with(KeepRanges k) { return new StudyConfig(search, data, pruning, precision, measuring, constraints, k); }

    public StudyConfig withBudget(int budget) { return with(search.withBudget(budget)); }

    public StudyConfig withClock(dev.lathe.eval.timing.LatencyClock clock) { return with(measuring.withClock(clock)); }

    /**
     * What a measuring process needs to measure this study's candidates of {@code model}: derived from the data and
     * measuring parts, never set apart from them. Peak memory is read whenever it is the objective or measuring is
     * isolated.
     */
    public MeasurementSetup measurementSetup(Path model) {
        return new MeasurementSetup(model.toAbsolutePath().toString(), data.dataPath(), data.tokenizerPath(), data.batch(), data.sequenceLength(),
                data.shapes(), measuring.threads(), measuring.provider().id(), "all", measuring.protocol(), true,
                measuring.objective() == dev.lathe.study.Objective.MEMORY || measuring.isolated(), measuring.clock(), data.imageMean(), data.imageStd(),
                constraints.minQuality());
    }

    /** The configuration {@code storage} holds, or empty for a new study. */
    public static Optional<StudyConfig> of(StudyStorage storage) {
        return storage.configuration().map(StudyConfig::fromJson);
    }

    public void saveTo(StudyStorage storage) {
        storage.saveConfiguration(toJson());
    }

    public String toJson() {
        ObjectNode doc = Mapper.JSON.createObjectNode().put("version", VERSION);
        doc.setAll((ObjectNode) Mapper.JSON.valueToTree(this));
        try {
            return Mapper.JSON.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads any version this Lathe knows; an unknown value (a strategy, a criterion…) is an error naming the allowed ones. */
    public static StudyConfig fromJson(String json) {
        try {
            JsonNode doc = Mapper.JSON.readTree(json);
            int version = doc.path("version").asInt(0);
            if (version > VERSION) throw new IllegalArgumentException("study settings are version " + version + ", this Lathe reads up to " + VERSION);
            if (version == VERSION) return Mapper.JSON.treeToValue(doc, StudyConfig.class);
            if (version == 1) return LegacySettings.read(doc.get("settings"), doc.get("measuring"));
            return LegacySettings.read(doc, null); // the bare settings object of the first studies
        } catch (JsonProcessingException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException bad) throw new IllegalArgumentException("study settings unreadable: " + bad.getMessage(), e);
            throw new IllegalArgumentException("study settings unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
