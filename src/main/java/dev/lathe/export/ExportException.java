package dev.lathe.export;

/** An export that could not be completed; nothing was left in the target folder. */
public class ExportException extends RuntimeException {
    public ExportException(String message) { super(message); }

    public ExportException(String message, Throwable cause) { super(message, cause); }
}
