package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.KeepRanges;
import dev.lathe.study.Constraints;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.eval.LatencyClock;
import dev.lathe.transform.PruningOptions;
import dev.lathe.transform.QuantizationOptions;

/**
 * How a study searches and measures; stored in the study file so a resumed search measures the same way.
 * {@code dataPath} and {@code tokenizerPath} are null for random inputs. {@code criterion} and {@code repair}
 * choose how pruned units are ranked and whether the consuming layer is refitted (see {@link PruningOptions}).
 * {@code precisions} lists, per operator type, the precisions layers may take besides float32 ({@link PrecisionChoices});
 * {@code quantization} is how int8 static layers are calibrated; {@code sensitivitySamples} calibration samples
 * score each layer's sensitivity before the search starts (0: no sensitivity pass). {@code clock} is the clock
 * latency is timed and compared on ({@link LatencyClock}; studies from before the choice read as wall clock).
 * {@code imageMean} and {@code imageStd} normalize image-folder data (both null: the model's own
 * {@code preprocessor_config.json}, else none). {@code constraints} are the bounds a candidate must meet to be on
 * the front ({@link Constraints}); {@code keepRanges} limit each group's keep ratio and keep blocks
 * ({@link KeepRanges}); studies from before either read as none and the built-in ranges.
 */
public record SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                             String strategy, String dataPath, String tokenizerPath, boolean quickTiming,
                             String criterion, String repair, java.util.Map<String, java.util.List<Long>> shapes,
                             java.util.Map<String, java.util.List<String>> precisions, QuantizationOptions quantization, Integer sensitivitySamples,
                             LatencyClock clock, java.util.List<Double> imageMean, java.util.List<Double> imageStd,
                             Constraints constraints, KeepRanges keepRanges) {
    /** Made on first use: the window reads the defaults at startup, and Jackson takes a third of a second to load. */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    public SearchSettings {
        if (budget < 1) throw new IllegalArgumentException("budget must be at least 1 candidate, got " + budget);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (sequenceLength < 1) throw new IllegalArgumentException("sequence length must be at least 1, got " + sequenceLength);
        if (populationSize < 2) throw new IllegalArgumentException("population must be at least 2, got " + populationSize);
        if (!strategy.equals("nsga2") && !strategy.equals("random")) throw new IllegalArgumentException("unknown strategy '" + strategy + "' (nsga2 or random)");
        // Studies written before these settings existed used magnitude ranking without repair.
        if (criterion == null) criterion = PruningOptions.MAGNITUDE.criterion();
        if (repair == null) repair = PruningOptions.MAGNITUDE.repair();
        new PruningOptions(criterion, repair);
        shapes = shapes == null ? java.util.Map.of() : java.util.Map.copyOf(shapes);
        // Studies written before precisions were settings searched int8 dynamic MatMul/Gemm and had no sensitivity pass.
        precisions = (precisions == null ? PrecisionChoices.LEGACY : PrecisionChoices.fromIds(precisions)).toIds();
        if (quantization == null) quantization = QuantizationOptions.DEFAULT;
        if (sensitivitySamples == null) sensitivitySamples = 0;
        if (sensitivitySamples < 0) throw new IllegalArgumentException("sensitivity samples must be 0 (off) or more, got " + sensitivitySamples);
        if (clock == null) clock = LatencyClock.WALL;
        imageMean = imageMean == null ? null : java.util.List.copyOf(imageMean);
        imageStd = imageStd == null ? null : java.util.List.copyOf(imageStd);
        dev.lathe.eval.data.ImagePreprocessing.of(imageMean, imageStd); // checks the values
        if (constraints == null) constraints = Constraints.NONE;
        if (keepRanges == null) keepRanges = KeepRanges.DEFAULT;
    }

    public SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                          String strategy, String dataPath, String tokenizerPath, boolean quickTiming,
                          String criterion, String repair, java.util.Map<String, java.util.List<Long>> shapes,
                          java.util.Map<String, java.util.List<String>> precisions, QuantizationOptions quantization, Integer sensitivitySamples,
                          LatencyClock clock, java.util.List<Double> imageMean, java.util.List<Double> imageStd) {
        this(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming, criterion, repair, shapes,
                precisions, quantization, sensitivitySamples, clock, imageMean, imageStd, null, null);
    }

    public SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                          String strategy, String dataPath, String tokenizerPath, boolean quickTiming,
                          String criterion, String repair, java.util.Map<String, java.util.List<Long>> shapes,
                          java.util.Map<String, java.util.List<String>> precisions, QuantizationOptions quantization, Integer sensitivitySamples) {
        this(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming, criterion, repair, shapes,
                precisions, quantization, sensitivitySamples, LatencyClock.WALL, null, null);
    }

    /** A new study with the default precision choices, calibration and sensitivity pass. */
    public SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                          String strategy, String dataPath, String tokenizerPath, boolean quickTiming,
                          String criterion, String repair, java.util.Map<String, java.util.List<Long>> shapes) {
        this(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming, criterion, repair, shapes,
                PrecisionChoices.DEFAULT.toIds(), QuantizationOptions.DEFAULT, SensitivityAnalysis.DEFAULT_SEARCH_SAMPLES);
    }

    public SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                          String strategy, String dataPath, String tokenizerPath, boolean quickTiming, String criterion, String repair) {
        this(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming, criterion, repair, null);
    }

    /** The precisions each operator may take in this study (float32 always). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public PrecisionChoices precisionChoices() {
        return PrecisionChoices.fromIds(precisions);
    }

    public SearchSettings withPrecisions(PrecisionChoices choices, QuantizationOptions q, int sensitivity) {
        return new SearchSettings(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming,
                criterion, repair, shapes, choices.toIds(), q, sensitivity, clock, imageMean, imageStd, constraints, keepRanges);
    }

    public SearchSettings withClock(LatencyClock c) {
        return new SearchSettings(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming,
                criterion, repair, shapes, precisions, quantization, sensitivitySamples, c, imageMean, imageStd, constraints, keepRanges);
    }

    /** Normalizes image-folder pixels with {@code mean} and {@code std} (either may be null: 0 and 1). */
    public SearchSettings withImageNormalization(java.util.List<Double> mean, java.util.List<Double> std) {
        return new SearchSettings(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming,
                criterion, repair, shapes, precisions, quantization, sensitivitySamples, clock, mean, std, constraints, keepRanges);
    }

    public SearchSettings withConstraints(Constraints c) {
        return new SearchSettings(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming,
                criterion, repair, shapes, precisions, quantization, sensitivitySamples, clock, imageMean, imageStd, c, keepRanges);
    }

    public SearchSettings withKeepRanges(KeepRanges k) {
        return new SearchSettings(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming,
                criterion, repair, shapes, precisions, quantization, sensitivitySamples, clock, imageMean, imageStd, constraints, k);
    }

    /** The image normalization these settings ask for, or null for the model's own. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public dev.lathe.eval.data.ImagePreprocessing imagePreprocessing() {
        return dev.lathe.eval.data.ImagePreprocessing.of(imageMean, imageStd);
    }

    /** Timing shape: batch and sequence length for dynamic dimensions, and any input the user fixed outright. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public dev.lathe.model.InputShapes inputShapes() {
        java.util.Map<String, long[]> fixed = new java.util.LinkedHashMap<>();
        shapes.forEach((k, v) -> fixed.put(k, v.stream().mapToLong(Long::longValue).toArray()));
        return new dev.lathe.model.InputShapes(batch, sequenceLength, fixed);
    }

    /** New searches rank by calibration activations and refit by least squares. */
    public SearchSettings(int budget, long seed, int threads, int batch, int sequenceLength, int populationSize,
                          String strategy, String dataPath, String tokenizerPath, boolean quickTiming) {
        this(budget, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming,
                PruningOptions.CALIBRATED.criterion(), PruningOptions.CALIBRATED.repair(), null);
    }

    /** The calibration and evaluation data these settings name (or find beside the model), split the fixed way. */
    public dev.lathe.eval.data.EvaluationData.Split data(dev.lathe.model.OnnxModel original) {
        return dev.lathe.eval.data.EvaluationData.resolve(original, dataPath == null ? null : java.nio.file.Path.of(dataPath),
                tokenizerPath == null ? null : java.nio.file.Path.of(tokenizerPath), inputShapes(), imagePreprocessing());
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public PruningOptions pruning() {
        return new PruningOptions(criterion, repair);
    }

    public static SearchSettings defaults() {
        return new SearchSettings(40, 1, 1, 1, 128, 12, "nsga2", null, null, false);
    }

    public SearchSettings withBudget(int b) {
        return new SearchSettings(b, seed, threads, batch, sequenceLength, populationSize, strategy, dataPath, tokenizerPath, quickTiming, criterion, repair, shapes,
                precisions, quantization, sensitivitySamples, clock, imageMean, imageStd, constraints, keepRanges);
    }

    public String toJson() {
        try {
            return Mapper.JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The settings a study was made with, or empty for a new study. */
    public static java.util.Optional<SearchSettings> of(dev.lathe.study.StudyStorage store) {
        return StoredSettings.of(store).map(StoredSettings::settings);
    }

    public static SearchSettings fromJson(String json) {
        try {
            return Mapper.JSON.readValue(json, SearchSettings.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("study settings unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
