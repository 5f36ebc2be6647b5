package dev.lathe.cli.options;

import dev.lathe.transform.quantization.QuantizationOptions;
import picocli.CommandLine.Option;

/** How int8 static layers are calibrated and whether int8 inputs are smoothed, for every command that builds them. */
public final class QuantizationCliOptions {
    @Option(names = "--calibration", defaultValue = "minmax", paramLabel = "METHOD",
            description = "activation ranges for int8_static: minmax, percentile or entropy, as ONNX Runtime computes them (default ${DEFAULT-VALUE})")
    public String calibration;

    @Option(names = "--percentile", defaultValue = "99.999", description = "share of values the percentile method keeps (default ${DEFAULT-VALUE})")
    public double percentile;

    @Option(names = "--symmetric-activations", description = "int8_static activations as symmetric int8 instead of asymmetric uint8")
    public boolean symmetricActivations;

    @Option(names = "--reduce-range", description = "int8_static weights (and int8 ones with --smooth-quant) in 7 bits, which x86 CPUs without VNNI cannot saturate")
    public boolean reduceRange;

    @Option(names = "--calibration-samples", defaultValue = "64", description = "calibration samples for activation ranges (default ${DEFAULT-VALUE})")
    public int calibrationSamples;

    @Option(names = "--smooth-quant", arity = "0..1", fallbackValue = "0.8", paramLabel = "ALPHA",
            description = "SmoothQuant before int8 and int8_static: divide each MatMul/Gemm input channel by max|x|^ALPHA / max|w|^(1-ALPHA) "
                    + "and multiply the weight rows by it, on calibration data (ALPHA in (0, 1], 0.8 when omitted: what helped MiniLM on a CPU without VNNI, where 0.5 hurt; 0 is off)")
    Double smoothAlpha;

    public QuantizationOptions options() {
        return new QuantizationOptions(calibration, percentile, symmetricActivations, calibrationSamples, reduceRange, smoothAlpha);
    }
}
