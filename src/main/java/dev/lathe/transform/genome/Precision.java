package dev.lathe.transform.genome;

import dev.lathe.transform.quantization.DynamicInt8Quantizer;
import dev.lathe.transform.quantization.Fp16Converter;
import dev.lathe.transform.quantization.Int4WeightQuantizer;
import dev.lathe.transform.quantization.StaticInt8Quantizer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The number format one layer runs in when it is not float32 (float32 is the absence of a precision).
 * Each has the form ONNX Runtime's CPU provider runs fastest, or, for {@link #FP16}, the form a GPU runs:
 * <ul>
 * <li>{@code int8}: dynamic, activations quantized at run time ({@link DynamicInt8Quantizer});</li>
 * <li>{@code int8_static}: QuantizeLinear/DequantizeLinear pairs with activation ranges calibrated beforehand
 *     ({@link StaticInt8Quantizer}), which ONNX Runtime fuses into integer kernels;</li>
 * <li>{@code int4_b32}, {@code int4_b64}, {@code int4_b128}: 4-bit weights in blocks of that many inputs,
 *     activations float ({@link Int4WeightQuantizer}, {@code com.microsoft.MatMulNBits});</li>
 * <li>{@code fp16}: float16 weights and arithmetic inside the layer, float32 outside ({@link Fp16Converter}).</li>
 * </ul>
 */
public enum Precision {
    INT8("int8", List.of("MatMul", "Gemm")),
    INT8_STATIC("int8_static", List.of("MatMul", "Gemm", "Conv")),
    INT4_B32("int4_b32", List.of("MatMul", "Gemm")),
    INT4_B64("int4_b64", List.of("MatMul", "Gemm")),
    INT4_B128("int4_b128", List.of("MatMul", "Gemm")),
    FP16("fp16", List.of("MatMul", "Gemm", "Conv"));

    private final String id;
    private final List<String> operators;

    Precision(String id, List<String> operators) {
        this.id = id;
        this.operators = operators;
    }

    /** The name genomes, settings and the command line use. */
    public String id() { return id; }

    /** Whether a layer of this operator type can take this precision. */
    public boolean supports(String opType) { return operators.contains(opType); }

    public boolean isInt4() { return this == INT4_B32 || this == INT4_B64 || this == INT4_B128; }

    /** Inputs per 4-bit block; 0 for the other precisions. */
    public int blockSize() {
        return switch (this) {
            case INT4_B32 -> 32;
            case INT4_B64 -> 64;
            case INT4_B128 -> 128;
            default -> 0;
        };
    }

    /** Parses an id; {@code int4} alone means the most accurate block size, 32. */
    public static Precision parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("int4")) return INT4_B32;
        for (Precision p : values()) if (p.id.equals(t)) return p;
        throw new IllegalArgumentException("unknown precision '" + text + "' (" + String.join(", ", ids()) + ", or int4 for int4_b32)");
    }

    public static List<String> ids() {
        return Arrays.stream(values()).map(Precision::id).toList();
    }

    @Override
    public String toString() { return id; }
}
