package dev.lathe.eval.timing;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resident memory one model needs while it is loaded and run, on Linux. A worker measures candidate after
 * candidate, and its resident size keeps what earlier ones left behind (the allocator keeps freed pages, the heap
 * grows), so the process's own high-water mark would rank candidates by when they were measured. Instead a
 * {@link Window} opens before the model is loaded: it hands freed native memory back to the system
 * ({@code malloc_trim}), resets the high-water mark (writing 5 to {@code /proc/self/clear_refs}) and notes the
 * resident size; closing it reads {@code VmHWM} from {@code /proc/self/status} and keeps what rose above that
 * baseline. Elsewhere (or where the reset is refused) there is no figure.
 */
public final class PeakMemory {
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final MethodHandle MALLOC_TRIM = mallocTrim();

    private PeakMemory() {}

    /** One model's stretch of this process's life: resident memory above what was resident when it opened. */
    public static final class Window {
        private final long baselineBytes;

        private Window(long baselineBytes) {
            this.baselineBytes = baselineBytes;
        }

        /** Resident memory when the window opened, after freed memory went back to the system. */
        public long baselineBytes() { return baselineBytes; }

        /** The highest resident memory since the window opened, less the baseline; null when the system stopped saying. */
        public Long peakAboveBaseline() {
            Long hwm = highWaterMark();
            return hwm == null ? null : Math.max(0, hwm - baselineBytes);
        }
    }

    /** Opens a window before a model is loaded, or returns null where this system cannot measure one. */
    public static Window open() {
        System.gc(); // frees the direct buffers and tensors earlier models left for the collector, so the trim can return them
        trimNativeHeap();
        if (!reset()) return null;
        Long rss = resident();
        return rss == null ? null : new Window(rss);
    }

    /** Resets the high-water mark to the resident size now; false when this system cannot. */
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

    /** Returns the C heap's free pages to the system (glibc), so the baseline does not count memory a previous model freed. */
    static void trimNativeHeap() {
        if (MALLOC_TRIM == null) return;
        try {
            int ignored = (int) MALLOC_TRIM.invokeExact(0L);
        } catch (Throwable e) {
            // best effort: without it the baseline is only higher
        }
    }

    private static MethodHandle mallocTrim() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("malloc_trim")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // not glibc, or native access refused
        }
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
