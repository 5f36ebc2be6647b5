package dev.lathe.transform.distill;

import ai.djl.ndarray.NDArray;

/**
 * Straight-through fake quantization (Bengio et al.; Jacob et al.) matching Lathe's dynamic int8 layers: weights
 * symmetric per output column in [-127, 127] as {@code DynamicInt8Quantizer} stores them, inputs asymmetric uint8
 * per tensor over [min(x, 0), max(x, 0)] as ONNX Runtime's DynamicQuantizeLinear computes them at run time. The
 * forward pass sees the rounded values; the backward pass treats rounding as the identity, so the weights learn to
 * sit where rounding hurts the output least.
 */
final class FakeQuantization {
    private FakeQuantization() {}

    /** {@code w} rounded to 255 levels per slice along every axis but {@code reduceAxis}, gradient passed straight through. */
    static NDArray weight(NDArray w, int reduceAxis) {
        NDArray scale = w.abs().max(new int[] {reduceAxis}, true).div(127f).maximum(1e-12f).stopGradient();
        NDArray q = w.div(scale).round().clip(-127, 127).mul(scale);
        return straightThrough(w, q);
    }

    /** {@code x} as uint8 with a zero point, gradient passed straight through. */
    static NDArray activation(NDArray x) {
        NDArray low = x.min().minimum(0f).stopGradient(), high = x.max().maximum(0f).stopGradient();
        NDArray scale = high.sub(low).div(255f).maximum(1e-12f);
        NDArray zero = low.neg().div(scale).round().clip(0, 255);
        NDArray q = x.div(scale).round().add(zero).clip(0, 255).sub(zero).mul(scale);
        return straightThrough(x, q);
    }

    /** The value of {@code rounded}, the gradient of {@code x}. */
    private static NDArray straightThrough(NDArray x, NDArray rounded) {
        return x.add(rounded.sub(x).stopGradient());
    }
}
