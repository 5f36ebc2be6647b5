package dev.lathe.config;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.data.ImagePreprocessing;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a study is scored and timed on: the data file and tokenizer (null: found beside the model, else random
 * inputs), the batch and sequence length of dynamic dimensions, inputs whose shape is fixed outright, and the
 * image normalization (both null: the model's own {@code preprocessor_config.json}, else none).
 */
public record DataConfig(String dataPath, String tokenizerPath, int batch, int sequenceLength, Map<String, List<Long>> shapes,
                         List<Double> imageMean, List<Double> imageStd) {
    public static final DataConfig DEFAULT = new DataConfig(null, null, 1, 128, Map.of(), null, null);

    public DataConfig {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        if (sequenceLength < 1) throw new IllegalArgumentException("sequence length must be at least 1, got " + sequenceLength);
        shapes = shapes == null ? Map.of() : Map.copyOf(shapes);
        imageMean = imageMean == null ? null : List.copyOf(imageMean);
        imageStd = imageStd == null ? null : List.copyOf(imageStd);
        ImagePreprocessing.of(imageMean, imageStd); // checks the values
    }

    public DataConfig withImageNormalization(List<Double> mean, List<Double> std) {
        return new DataConfig(dataPath, tokenizerPath, batch, sequenceLength, shapes, mean, std);
    }

    /** Timing shape: batch and sequence length for dynamic dimensions, and any input the user fixed outright. */
    public InputShapes inputShapes() {
        Map<String, long[]> fixed = new LinkedHashMap<>();
        shapes.forEach((k, v) -> fixed.put(k, v.stream().mapToLong(Long::longValue).toArray()));
        return new InputShapes(batch, sequenceLength, fixed);
    }

    /** The image normalization asked for, or null for the model's own. */
    public ImagePreprocessing imagePreprocessing() {
        return ImagePreprocessing.of(imageMean, imageStd);
    }

    /** The calibration and evaluation data this names (or finds beside the model), split the fixed way. */
    public EvaluationData.Split resolve(OnnxModel original) {
        return EvaluationData.resolve(original, dataPath == null ? null : Path.of(dataPath), tokenizerPath == null ? null : Path.of(tokenizerPath),
                inputShapes(), imagePreprocessing());
    }
}
