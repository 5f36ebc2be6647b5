package dev.lathe.config;

import dev.lathe.transform.quantization.QuantizationOptions;

import java.util.List;
import java.util.Map;

/**
 * The precisions layers may take besides float32, per operator type or pinned per layer ({@link PrecisionChoices}),
 * how int8 static layers are calibrated, and how many calibration samples score each layer's sensitivity before
 * the search starts (0: no sensitivity pass).
 */
public record PrecisionConfig(Map<String, List<String>> precisions, QuantizationOptions quantization, int sensitivitySamples) {
    /** Calibration samples the sensitivity pass of a new search uses. */
    public static final int DEFAULT_SENSITIVITY_SAMPLES = 32;
    public static final PrecisionConfig DEFAULT = of(PrecisionChoices.DEFAULT, QuantizationOptions.DEFAULT, DEFAULT_SENSITIVITY_SAMPLES);
    /** What studies from before precisions were settings searched: int8 dynamic MatMul/Gemm, no sensitivity pass. */
    public static final PrecisionConfig LEGACY = of(PrecisionChoices.LEGACY, QuantizationOptions.DEFAULT, 0);

    public PrecisionConfig {
        precisions = PrecisionChoices.fromIds(precisions).toIds();
        if (quantization == null) quantization = QuantizationOptions.DEFAULT;
        if (sensitivitySamples < 0) throw new IllegalArgumentException("sensitivity samples must be 0 (off) or more, got " + sensitivitySamples);
    }

    public static PrecisionConfig of(PrecisionChoices choices, QuantizationOptions quantization, int sensitivitySamples) {
        return new PrecisionConfig(choices.toIds(), quantization, sensitivitySamples);
    }

    /** The precisions each operator may take (float32 always). */
    public PrecisionChoices choices() {
        return PrecisionChoices.fromIds(precisions);
    }
}
