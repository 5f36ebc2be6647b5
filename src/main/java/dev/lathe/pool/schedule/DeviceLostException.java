package dev.lathe.pool.schedule;

/** The device went away while it held a call: it left, disconnected, or missed its heartbeats. Not the candidate's fault. */
public final class DeviceLostException extends Exception {
    public DeviceLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
