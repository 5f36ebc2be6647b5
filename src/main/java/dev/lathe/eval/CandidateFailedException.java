package dev.lathe.eval;

/**
 * A candidate that could not be measured: ONNX Runtime refused it, or it crashed, exhausted or hung the
 * process measuring it. The message is what the study records as the reason.
 */
public final class CandidateFailedException extends Exception {
    /** How it failed: an error the measuring process reported, its death, or a timeout. */
    public enum Kind { ERROR, CRASHED, TIMED_OUT }

    private final Kind kind;

    public CandidateFailedException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() { return kind; }
}
