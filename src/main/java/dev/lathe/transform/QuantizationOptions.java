package dev.lathe.transform;

/**
 * How int8 static quantization calibrates activation ranges: {@code minmax}, {@code percentile} (cutting
 * {@code (100 - percentile)}% of the values) or {@code entropy} (the range whose quantized histogram is closest
 * in KL divergence to the real one), each as ONNX Runtime's calibrators compute it; whether activations are
 * symmetric int8 (zero point 0) instead of asymmetric uint8, which ONNX Runtime's x86 kernels prefer; and how
 * many calibration samples are run (ranges settle well before the Gram statistics of pruning do);
 * {@code reduceRange} keeps weights to 7 bits (±63), as ONNX Runtime's option of that name: x86 CPUs without
 * VNNI multiply uint8 by int8 with an instruction that saturates 16-bit pair sums, which 7-bit weights can
 * never reach, at the price of half the weight resolution.
 */
public record QuantizationOptions(String calibration, double percentile, boolean symmetricActivations, int calibrationSamples, boolean reduceRange) {
    public static final QuantizationOptions DEFAULT = new QuantizationOptions("minmax", 99.999, false, 64, false);

    public QuantizationOptions {
        if (calibration == null) calibration = DEFAULT.calibration;
        if (!calibration.equals("minmax") && !calibration.equals("percentile") && !calibration.equals("entropy"))
            throw new IllegalArgumentException("unknown calibration method '" + calibration + "' (minmax, percentile or entropy)");
        if (!(percentile > 50 && percentile <= 100))
            throw new IllegalArgumentException("percentile must be in (50, 100], got " + percentile);
        if (calibrationSamples < 1) throw new IllegalArgumentException("calibration samples must be at least 1, got " + calibrationSamples);
    }

    public QuantizationOptions(String calibration, double percentile, boolean symmetricActivations, int calibrationSamples) {
        this(calibration, percentile, symmetricActivations, calibrationSamples, false);
    }

    /** Largest weight magnitude in the int8 grid. */
    public int weightLimit() { return reduceRange ? 63 : 127; }
}
