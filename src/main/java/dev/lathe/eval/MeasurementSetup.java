package dev.lathe.eval;

import dev.lathe.model.InputShapes;
import dev.lathe.model.OrtRunner;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a measuring process needs to measure candidates of one original model the way a study does:
 * the original's file, the data to rebuild the evaluation samples from (null for random inputs), the timing
 * shape, ONNX Runtime's settings and the timing protocol. Plain values, so it crosses to a worker as JSON.
 */
public record MeasurementSetup(String originalModel, String dataPath, String tokenizerPath, int batch, int sequenceLength,
                               Map<String, List<Long>> shapes, int threads, String provider, String optimizationLevel,
                               TimingProtocol protocol, boolean withQuality, boolean peakMemory) {
    public MeasurementSetup {
        shapes = shapes == null ? Map.of() : Map.copyOf(shapes);
        if (provider == null) provider = "cpu";
        if (optimizationLevel == null) optimizationLevel = "all";
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
