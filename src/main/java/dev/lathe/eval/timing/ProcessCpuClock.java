package dev.lathe.eval.timing;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The CPU time this process has used, to the nanosecond: POSIX {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}
 * through the foreign-function API. The JVM's own process CPU time counts in scheduler ticks (10 ms on
 * Linux), too coarse for one inference; without POSIX the current thread's CPU time stands in (exact for
 * one intra-op thread, which runs the model on the calling thread).
 */
final class ProcessCpuClock {
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2; // Linux, and glibc/musl everywhere
    private static final MethodHandle CLOCK_GETTIME = lookup();
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    private ProcessCpuClock() {}

    static long nanos() {
        if (CLOCK_GETTIME != null) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ts = a.allocate(16, 8); // struct timespec { time_t tv_sec; long tv_nsec; } on 64-bit
                if ((int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, ts) == 0)
                    return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
            } catch (Throwable e) {
                // fall through to the thread clock
            }
        }
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    private static MethodHandle lookup() {
        if (!System.getProperty("os.name", "").equals("Linux") || ValueLayout.ADDRESS.byteSize() != 8) return null;
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("clock_gettime")
                    .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)))
                    .orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
