package dev.lathe.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak resident memory of this process, on Linux: writing 5 to {@code /proc/self/clear_refs} resets the
 * high-water mark to the current resident size, and {@code VmHWM} in {@code /proc/self/status} reads it. The
 * measurement worker resets it before loading a candidate and reads it after running it, so the figure is the
 * worker's peak while that candidate was loaded and run. Elsewhere (or where the reset is refused) it is null.
 */
public final class PeakMemory {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STATUS = Path.of("/proc/self/status");

    private PeakMemory() {}

    /** Resets the high-water mark; false when this system cannot. */
    public static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The high-water mark of resident memory in bytes, or null when the system does not say. */
    public static Long highWaterMark() {
        return statusBytes("VmHWM:");
    }

    /** Resident memory now in bytes, or null. */
    public static Long resident() {
        return statusBytes("VmRSS:");
    }

    private static Long statusBytes(String key) {
        try {
            for (String line : Files.readAllLines(STATUS))
                if (line.startsWith(key)) {
                    String[] parts = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024; // reported in kB
                }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return null;
    }
}
