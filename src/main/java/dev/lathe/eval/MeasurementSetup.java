package dev.lathe.eval;

import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OrtRunner;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a measuring process needs to measure candidates of one original model the way a study does:
 * the original's file, the data to rebuild the evaluation samples from (null for random inputs), the timing
 * shape, ONNX Runtime's settings, the timing protocol and the clock it runs on, and how image pixels are
 * normalized ({@code imageMean}/{@code imageStd}, both null for the model's own preprocessing), and the quality
 * below which scoring a candidate may stop early ({@code qualityFloor}, null: never). Plain values,
 * so it crosses to a worker as JSON.
 */
public record MeasurementSetup(String originalModel, String dataPath, String tokenizerPath, int batch, int sequenceLength,
                               Map<String, List<Long>> shapes, int threads, String provider, String optimizationLevel,
                               TimingProtocol protocol, boolean withQuality, boolean peakMemory,
                               LatencyClock clock, List<Double> imageMean, List<Double> imageStd, Double qualityFloor) {
    public MeasurementSetup {
        shapes = shapes == null ? Map.of() : Map.copyOf(shapes);
        if (provider == null) provider = "cpu";
        if (optimizationLevel == null) optimizationLevel = "all";
        if (clock == null) clock = LatencyClock.WALL;
        if (clock == LatencyClock.CPU && !provider.equals("cpu"))
            throw new IllegalArgumentException("CPU time misses the work done on the " + provider + " device; time " + provider + " on the wall clock");
        imageMean = imageMean == null ? null : List.copyOf(imageMean);
        imageStd = imageStd == null ? null : List.copyOf(imageStd);
        if (qualityFloor != null && !Double.isFinite(qualityFloor)) throw new IllegalArgumentException("quality floor must be a number, got " + qualityFloor);
    }

    /** Without a quality floor: every candidate is scored on every sample. */
    public MeasurementSetup(String originalModel, String dataPath, String tokenizerPath, int batch, int sequenceLength,
                            Map<String, List<Long>> shapes, int threads, String provider, String optimizationLevel,
                            TimingProtocol protocol, boolean withQuality, boolean peakMemory,
                            LatencyClock clock, List<Double> imageMean, List<Double> imageStd) {
        this(originalModel, dataPath, tokenizerPath, batch, sequenceLength, shapes, threads, provider, optimizationLevel, protocol, withQuality,
                peakMemory, clock, imageMean, imageStd, null);
    }

    /** Wall clock, the model's own image preprocessing. */
    public MeasurementSetup(String originalModel, String dataPath, String tokenizerPath, int batch, int sequenceLength,
                            Map<String, List<Long>> shapes, int threads, String provider, String optimizationLevel,
                            TimingProtocol protocol, boolean withQuality, boolean peakMemory) {
        this(originalModel, dataPath, tokenizerPath, batch, sequenceLength, shapes, threads, provider, optimizationLevel, protocol, withQuality,
                peakMemory, LatencyClock.WALL, null, null);
    }

    public MeasurementSetup withClock(LatencyClock c) {
        return new MeasurementSetup(originalModel, dataPath, tokenizerPath, batch, sequenceLength, shapes, threads, provider, optimizationLevel,
                protocol, withQuality, peakMemory, c, imageMean, imageStd, qualityFloor);
    }

    /**
     * Scoring of a candidate stops once it certainly ends below {@code floor} (a study's quality constraint), and
     * is recorded as stopped early ({@link dev.lathe.eval.quality.QualityEvaluator#evaluate(byte[], Double)}).
     */
    public MeasurementSetup withQualityFloor(Double floor) {
        return new MeasurementSetup(originalModel, dataPath, tokenizerPath, batch, sequenceLength, shapes, threads, provider, optimizationLevel,
                protocol, withQuality, peakMemory, clock, imageMean, imageStd, floor);
    }

    /** How image folders are normalized: the given mean and std, or null to let the model's folder decide. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public dev.lathe.eval.data.ImagePreprocessing imagePreprocessing() {
        return dev.lathe.eval.data.ImagePreprocessing.of(imageMean, imageStd);
    }

    public InputShapes inputShapes() {
        Map<String, long[]> fixed = new LinkedHashMap<>();
        shapes.forEach((k, v) -> fixed.put(k, v.stream().mapToLong(Long::longValue).toArray()));
        return new InputShapes(batch, sequenceLength, fixed);
    }

    public OrtRunner.RunnerSettings runnerSettings() {
        return new OrtRunner.RunnerSettings(threads, provider, optimizationLevel);
    }
}
