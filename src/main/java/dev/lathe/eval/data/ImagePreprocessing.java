package dev.lathe.eval.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.model.OnnxModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * How pixels become model input: scaled to [0, 1], then {@code (x - mean[c]) / std[c]} per channel. One value
 * applies to every channel. The default leaves [0, 1] as it is; a HuggingFace {@code preprocessor_config.json}
 * beside the model supplies the mean and standard deviation the model was trained with.
 */
public record ImagePreprocessing(double[] mean, double[] std) {
    public static final ImagePreprocessing UNIT_RANGE = new ImagePreprocessing(new double[] {0}, new double[] {1});
    /** The HuggingFace image-processor file whose {@code image_mean} and {@code image_std} are read. */
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";

    public ImagePreprocessing {
        mean = mean == null ? new double[] {0} : mean.clone();
        std = std == null ? new double[] {1} : std.clone();
        if (mean.length != 1 && mean.length != 3)
            throw new IllegalArgumentException("image mean needs 1 value or 3 (one per channel), got " + mean.length);
        if (std.length != 1 && std.length != 3)
            throw new IllegalArgumentException("image std needs 1 value or 3 (one per channel), got " + std.length);
        for (double s : std)
            if (!(s > 0) || Double.isInfinite(s)) throw new IllegalArgumentException("image std values must be positive, got " + Arrays.toString(std));
        for (double m : mean)
            if (!Double.isFinite(m)) throw new IllegalArgumentException("image mean values must be finite, got " + Arrays.toString(mean));
    }

    /** From stored lists (settings, a worker's setup); null when neither is given (the model's folder decides). */
    public static ImagePreprocessing of(java.util.List<Double> mean, java.util.List<Double> std) {
        if (mean == null && std == null) return null;
        return new ImagePreprocessing(mean == null ? null : mean.stream().mapToDouble(Double::doubleValue).toArray(),
                std == null ? null : std.stream().mapToDouble(Double::doubleValue).toArray());
    }

    @Override
    public double[] mean() { return mean.clone(); }

    @Override
    public double[] std() { return std.clone(); }

    /** Normalizes one channel value already scaled to [0, 1]. */
    public float apply(int channel, float unit) {
        double m = mean[mean.length == 1 ? 0 : channel], s = std[std.length == 1 ? 0 : channel];
        return (float) ((unit - m) / s);
    }

    /** Three per-channel values cannot describe a one-channel input. */
    void checkChannels(int channels, Path data) {
        if (channels != 3 && (mean.length == 3 || std.length == 3))
            throw new DataFormatException(data, "image mean/std give 3 channels but the model's input takes " + channels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePreprocessing p && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() { return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std); }

    @Override
    public String toString() { return "mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std); }

    public boolean isUnitRange() {
        return Arrays.stream(mean).allMatch(m -> m == 0) && Arrays.stream(std).allMatch(s -> s == 1);
    }

    public String describe() {
        return isUnitRange() ? "pixels scaled to [0,1]" : "pixels scaled to [0,1], mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std);
    }

    /** The preprocessing the model's own {@code preprocessor_config.json} asks for, or none without one. */
    public static ImagePreprocessing forModel(OnnxModel model) {
        if (model.source() == null) return UNIT_RANGE;
        Path dir = model.source().toAbsolutePath().getParent();
        return fromPreprocessorConfig(dir.resolve(PREPROCESSOR_CONFIG)).orElse(UNIT_RANGE);
    }

    /**
     * Reads {@code image_mean} and {@code image_std} from a HuggingFace image-processor config; {@code do_normalize: false}
     * means none. An unreadable file is an error: silently ignoring it would score with the wrong inputs.
     */
    public static Optional<ImagePreprocessing> fromPreprocessorConfig(Path json) {
        if (!Files.isRegularFile(json)) return Optional.empty();
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new DataFormatException(json, "not readable JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new DataFormatException(json, "not a JSON object");
        if (root.path("do_normalize").isBoolean() && !root.path("do_normalize").asBoolean()) return Optional.of(UNIT_RANGE);
        if (!root.has("image_mean") && !root.has("image_std")) return Optional.empty();
        try {
            return Optional.of(new ImagePreprocessing(values(root.get("image_mean"), json), values(root.get("image_std"), json)));
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(json, e.getMessage(), e);
        }
    }

    private static double[] values(JsonNode node, Path json) {
        if (node == null || node.isNull()) return null;
        if (node.isNumber()) return new double[] {node.asDouble()};
        if (!node.isArray()) throw new DataFormatException(json, "image_mean and image_std must be numbers or lists of numbers");
        double[] v = new double[node.size()];
        for (int i = 0; i < v.length; i++) {
            if (!node.get(i).isNumber()) throw new DataFormatException(json, "image_mean and image_std must be numbers or lists of numbers");
            v[i] = node.get(i).asDouble();
        }
        return v;
    }
}
