package dev.lathe.transform.quantization;

/**
 * How int8 static quantization calibrates activation ranges: {@code minmax}, {@code percentile} (cutting
 * {@code (100 - percentile)}% of the values) or {@code entropy} (the range whose quantized histogram is closest
 * in KL divergence to the real one), each as ONNX Runtime's calibrators compute it; whether activations are
 * symmetric int8 (zero point 0) instead of asymmetric uint8, which ONNX Runtime's x86 kernels prefer; and how
 * many calibration samples are run (ranges settle well before the Gram statistics of pruning do);
 * {@code reduceRange} keeps weights to 7 bits (±63), as ONNX Runtime's option of that name: x86 CPUs without
 * VNNI multiply uint8 by int8 with an instruction that saturates 16-bit pair sums, which 7-bit weights can
 * never reach, at the price of half the weight resolution (for int8 dynamic layers too when smoothing is on: smoothed
 * weights saturate those kernels far more often; without smoothing int8 dynamic keeps 8 bits, as it always did). {@code smoothAlpha}, when set, smooths the inputs of
 * int8 and int8_static MatMul/Gemm layers first ({@link SmoothQuant}, migration strength alpha in (0, 1]); null
 * (studies from before it, and 0 given on the command line) is off.
 */
public record QuantizationOptions(String calibration, double percentile, boolean symmetricActivations, int calibrationSamples, boolean reduceRange,
                                  Double smoothAlpha) {
    public static final QuantizationOptions DEFAULT = new QuantizationOptions("minmax", 99.999, false, 64, false, null);

    public QuantizationOptions {
        if (calibration == null) calibration = DEFAULT.calibration;
        if (!calibration.equals("minmax") && !calibration.equals("percentile") && !calibration.equals("entropy"))
            throw new IllegalArgumentException("unknown calibration method '" + calibration + "' (minmax, percentile or entropy)");
        if (!(percentile > 50 && percentile <= 100))
            throw new IllegalArgumentException("percentile must be in (50, 100], got " + percentile);
        if (calibrationSamples < 1) throw new IllegalArgumentException("calibration samples must be at least 1, got " + calibrationSamples);
        if (smoothAlpha != null && smoothAlpha == 0) smoothAlpha = null;
        if (smoothAlpha != null && !(smoothAlpha > 0 && smoothAlpha <= 1))
            throw new IllegalArgumentException("SmoothQuant alpha must be in (0, 1] (0 turns it off), got " + smoothAlpha);
    }

    public QuantizationOptions(String calibration, double percentile, boolean symmetricActivations, int calibrationSamples, boolean reduceRange) {
        this(calibration, percentile, symmetricActivations, calibrationSamples, reduceRange, null);
    }

    public QuantizationOptions(String calibration, double percentile, boolean symmetricActivations, int calibrationSamples) {
        this(calibration, percentile, symmetricActivations, calibrationSamples, false);
    }

    /** The same options with SmoothQuant at {@code alpha} (null or 0: off). */
    public QuantizationOptions withSmoothAlpha(Double alpha) {
        return new QuantizationOptions(calibration, percentile, symmetricActivations, calibrationSamples, reduceRange, alpha);
    }

    /** Whether int8 layers' inputs are smoothed before quantizing. */
    public boolean smoothing() { return smoothAlpha != null; }

    /** Largest weight magnitude in the int8 grid. */
    public int weightLimit() { return reduceRange ? 63 : 127; }
}
