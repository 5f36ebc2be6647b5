package dev.lathe.transform;

/**
 * A candidate ONNX Runtime's CPU provider cannot run (float16 operators without CPU kernels): it is meant for
 * a GPU, and the message says so and why, so a study records the reason instead of an opaque failure.
 */
public final class GpuOnlyException extends IllegalStateException {
    public GpuOnlyException(String message, Throwable cause) {
        super(message, cause);
    }
}
