package dev.lathe.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The machine a figure was measured on: CPU model, logical cores, OS, memory and GPU (from {@code nvidia-smi}
 * when there is one). Recorded in every study and every latency figure, because a latency means nothing
 * without the machine it was taken on.
 */
public record MachineInfo(String cpuModel, int logicalCores, String os, String osVersion, String arch, long totalMemoryBytes,
                          String gpu, String javaVersion, String onnxRuntime) {
    private static volatile MachineInfo current;

    /** This machine, looked up once per process. */
    public static MachineInfo current() {
        MachineInfo m = current;
        if (m == null) current = m = detect();
        return m;
    }

    /** One line: "AMD EPYC 7B13 · 2 logical cores · Linux 6.1 amd64 · 23.5 GiB". */
    public String summary() {
        return cpuModel + " · " + logicalCores + " logical cores · " + os + " " + osVersion + " " + arch
                + (totalMemoryBytes > 0 ? String.format(Locale.ROOT, " · %.1f GiB", totalMemoryBytes / (double) (1L << 30)) : "")
                + (gpu != null ? " · " + gpu : "");
    }

    static MachineInfo detect() {
        return new MachineInfo(detectCpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("os.arch"), detectTotalMemory(), detectGpu(),
                System.getProperty("java.vm.vendor") + " " + Runtime.version(), onnxRuntimeVersion());
    }

    private static String detectCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture is all Java knows
        }
        String env = System.getenv("PROCESSOR_IDENTIFIER"); // Windows
        return env != null ? env : System.getProperty("os.arch");
    }

    private static long detectTotalMemory() {
        try {
            if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
                return os.getTotalMemorySize();
        } catch (LinkageError e) {
            // a runtime image without jdk.management
        }
        return -1;
    }

    /** GPU names and driver from nvidia-smi, or null when it is absent or answers nothing. */
    private static String detectGpu() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            List<String> lines = new String(p.getInputStream().readAllBytes()).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            return p.exitValue() == 0 && !lines.isEmpty() ? String.join("; ", lines) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The native library's own version first: in the packaged jar the {@code ai.onnxruntime} package's manifest
     * version is Lathe's (one manifest for the whole jar), which made every device report ONNX Runtime
     * "0.1.0-SNAPSHOT" and let a pool mix runtimes unnoticed.
     */
    private static String onnxRuntimeVersion() {
        try {
            return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
        } catch (RuntimeException | LinkageError e) {
            Package p = ai.onnxruntime.OrtEnvironment.class.getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            return v == null ? "unknown" : v;
        }
    }
}
