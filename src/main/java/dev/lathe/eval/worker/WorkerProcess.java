package dev.lathe.eval.worker;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.MachineInfo;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Lathe's side of one measurement worker: starts the child JVM (this JVM's java binary and class path, a
 * capped heap that exits on exhaustion, crash logs in the temp folder), sends it the setup, and then one
 * request at a time with a timeout. When the worker dies or overruns, the request fails with the reason
 * (exit code and the last lines it wrote to stderr, or "timed out after N s"), the worker is killed, and the
 * next request starts a fresh one. The worker is reused across candidates: its start-up and the original's
 * reference outputs are paid once.
 */
public final class WorkerProcess implements AutoCloseable {
    private static final String EOF = "\u0000eof";
    private static final int STDERR_LINES = 60;

    /**
     * {@code maxHeap} is the worker's -Xmx ("2g"); {@code setupSeconds} bounds start-up and preparation,
     * {@code requestSeconds} one candidate; {@code jvmArgs} are added as they are (tests pass system properties).
     */
    public record Options(String maxHeap, double setupSeconds, double requestSeconds, List<String> jvmArgs) {
        public static Options defaults() {
            return new Options(defaultHeap(), 600, 600, List.of());
        }

        public Options withRequestSeconds(double s) { return new Options(maxHeap, setupSeconds, s, jvmArgs); }

        public Options withHeap(String h) { return new Options(h, setupSeconds, requestSeconds, jvmArgs); }

        public Options withJvmArgs(List<String> a) { return new Options(maxHeap, setupSeconds, requestSeconds, List.copyOf(a)); }

        /** A quarter of the machine's memory, between 1 and 4 GiB: room for two copies of a large model and its data. */
        static String defaultHeap() {
            long total = MachineInfo.current().totalMemoryBytes();
            long mb = total <= 0 ? 2048 : Math.max(1024, Math.min(4096, total / 4 / (1 << 20)));
            return mb + "m";
        }
    }

    private final MeasurementSetup setup;
    private final Options options;
    private final Consumer<String> log;
    private Process process;
    private Writer toWorker;
    private BlockingQueue<String> fromWorker;
    private Deque<String> stderrTail;
    private SessionInfo info;
    private int starts;

    public WorkerProcess(MeasurementSetup setup, Options options, Consumer<String> log) {
        this.setup = setup;
        this.options = options;
        this.log = log == null ? s -> { } : log;
    }

    /** Starts the worker if none is running and returns what it found; a worker that cannot prepare is an error for the whole study. */
    public synchronized SessionInfo start() {
        if (alive()) return info;
        stop();
        starts++;
        try {
            launch();
            WorkerMessages.Response r = request(WorkerMessages.Request.setup(setup), options.setupSeconds());
            if (!"ready".equals(r.type())) throw new IllegalStateException("the measurement worker could not prepare: " + r.error());
            info = r.ready();
            return info;
        } catch (CandidateFailedException e) {
            throw new IllegalStateException("the measurement worker could not prepare " + Path.of(setup.originalModel()).getFileName() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the measurement worker: " + e.getMessage(), e);
        }
    }

    /** Measures the candidate in {@code modelFile}; an error it reports keeps the worker, a death or timeout replaces it. */
    public synchronized Measurement measure(Path modelFile) throws CandidateFailedException {
        start();
        return measured(request(WorkerMessages.Request.measure(modelFile.toAbsolutePath().toString()), options.requestSeconds()));
    }

    public synchronized Measurement reference() throws CandidateFailedException {
        start();
        return measured(request(WorkerMessages.Request.reference(), options.requestSeconds()));
    }

    /** The speed-up of the model in {@code modelFile} over the original, timed interleaved in the worker. */
    public synchronized dev.lathe.eval.timing.InterleavedComparison.Result confirm(Path modelFile) throws CandidateFailedException {
        start();
        WorkerMessages.Response r = request(WorkerMessages.Request.confirm(modelFile.toAbsolutePath().toString()), options.requestSeconds());
        if ("confirmed".equals(r.type())) return r.comparison();
        throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, r.error(), null);
    }

    /** Per-node times of the model in {@code modelFile} (null: the original), measured in the worker. */
    public synchronized dev.lathe.eval.profile.ModelProfile profile(Path modelFile) throws CandidateFailedException {
        start();
        WorkerMessages.Response r = request(WorkerMessages.Request.profile(modelFile == null ? null : modelFile.toAbsolutePath().toString()),
                options.requestSeconds());
        if ("profiled".equals(r.type())) return r.profile();
        throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, r.error(), null);
    }

    /** Test hook: asks a worker started with -Dlathe.worker.testHooks=true to die ("native", "exit") or hang. */
    public synchronized void crash(String how) throws CandidateFailedException {
        start();
        WorkerMessages.Response r = request(WorkerMessages.Request.crash(how), options.requestSeconds());
        if ("error".equals(r.type())) throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, r.error(), null);
    }

    /** Bytes of a -Xmx value such as "512m" or "2g"; 0 when unreadable. */
    static long heapBytes(String size) {
        String s = size.strip().toLowerCase(java.util.Locale.ROOT);
        long unit = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        try {
            return Long.parseLong(unit == 1 ? s : s.substring(0, s.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** How many worker processes have been started (1 + restarts). */
    public synchronized int starts() { return starts; }

    /** The running worker's process id, or -1. */
    public synchronized long pid() { return alive() ? process.pid() : -1; }

    private static Measurement measured(WorkerMessages.Response r) throws CandidateFailedException {
        if ("measured".equals(r.type())) return r.measurement();
        throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, r.error(), null);
    }

    private boolean alive() {
        return process != null && process.isAlive() && info != null;
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        if (options.maxHeap() != null) cmd.add("-Xmx" + options.maxHeap());
        if (options.maxHeap() == null || heapBytes(options.maxHeap()) >= 64L << 20) cmd.add("-Xms64m");
        // Per-candidate peak memory (PeakMemory.Window) counts what the process grows by: the heap must not shrink
        // after the collection before each candidate and regrow during it, and C2's compiler arenas (several MB
        // at random moments) must not land on a candidate. The timed loop is native ONNX Runtime code either way.
        cmd.addAll(List.of("-XX:MaxHeapFreeRatio=100", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-XX:+UseSerialGC", "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + Path.of(System.getProperty("java.io.tmpdir"), "lathe-worker-crash-%p.log"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Djava.awt.headless=true"));
        // A lowered external-data threshold (tests) holds in the worker too, so the original goes by path there as well.
        String threshold = System.getProperty(dev.lathe.model.OnnxModel.THRESHOLD_PROPERTY);
        if (threshold != null) cmd.add("-D" + dev.lathe.model.OnnxModel.THRESHOLD_PROPERTY + "=" + threshold);
        cmd.addAll(options.jvmArgs());
        cmd.addAll(List.of("-cp", classPath(), MeasurementWorker.class.getName()));
        Process p = new ProcessBuilder(cmd).start();
        process = p;
        toWorker = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Deque<String> tail = new ArrayDeque<>();
        fromWorker = lines;
        stderrTail = tail;
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    if (l.startsWith("{")) lines.add(l);
                    else remember(tail, "(stdout) " + l); // stray native output: keep it out of the protocol
                }
            } catch (IOException ignored) {
                // the worker went away; EOF below says so
            }
            lines.add(EOF);
        }, "lathe-worker-stdout");
        Thread err = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) remember(tail, l);
            } catch (IOException ignored) {
                // the worker went away
            }
        }, "lathe-worker-stderr");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
        log.accept("Measurement worker started (pid " + p.pid() + ", heap " + (options.maxHeap() == null ? "default" : options.maxHeap()) + ")");
    }

    private static void remember(Deque<String> tail, String line) {
        synchronized (tail) {
            tail.addLast(line);
            while (tail.size() > STDERR_LINES) tail.removeFirst();
        }
    }

    private WorkerMessages.Response request(WorkerMessages.Request r, double timeoutSeconds) throws CandidateFailedException {
        try {
            toWorker.write(WorkerMessages.JSON.writeValueAsString(r));
            toWorker.write('\n');
            toWorker.flush();
        } catch (IOException e) {
            throw died("could not be sent the request (" + e.getMessage() + ")");
        }
        String line;
        try {
            line = fromWorker.poll((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, "interrupted while measuring", e);
        }
        if (line == null) {
            stop();
            throw new CandidateFailedException(CandidateFailedException.Kind.TIMED_OUT,
                    String.format(java.util.Locale.ROOT, "timed out after %.0f s; the measurement worker was killed and will be restarted", timeoutSeconds), null);
        }
        if (line.equals(EOF)) throw died("died");
        try {
            return WorkerMessages.JSON.readValue(line, WorkerMessages.Response.class);
        } catch (IOException e) {
            stop();
            throw new CandidateFailedException(CandidateFailedException.Kind.CRASHED, "the measurement worker answered garbage: " + line, e);
        }
    }

    /** The worker is gone: wait for its exit code and say what it last wrote. */
    private CandidateFailedException died(String what) {
        Integer code = null;
        try {
            if (process.waitFor(10, TimeUnit.SECONDS)) code = process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Give the output readers a moment to take the last lines the dying JVM wrote.
        try { Thread.sleep(200); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        List<String> tail = tailLines();
        boolean fatal = tail.stream().anyMatch(l -> l.contains("A fatal error has been detected"));
        stop();
        String msg = "the measurement worker " + (fatal ? "crashed natively" : what) + (code == null ? "" : " with exit code " + code + (fatal ? "" : exitMeaning(code)))
                + (tail.isEmpty() ? "" : "; its last words: " + lastWords(tail, fatal));
        return new CandidateFailedException(CandidateFailedException.Kind.CRASHED, msg, null);
    }

    private static String exitMeaning(int code) {
        return switch (code) {
            case 3 -> " (out of memory)";
            case 134 -> " (aborted: a native crash)";
            case 137 -> " (killed)";
            case 139 -> " (segmentation fault)";
            default -> "";
        };
    }

    private List<String> tailLines() {
        synchronized (stderrTail) {
            return new ArrayList<>(stderrTail);
        }
    }

    /**
     * What to record of the worker's last output: for a JVM crash report the signal, the problematic frame
     * and where the full report went; otherwise the last few meaningful lines.
     */
    static String lastWords(List<String> tail, boolean fatal) {
        List<String> useful = tail.stream().map(s -> s.replace("(stdout) ", "").strip()).map(s -> s.startsWith("#") ? s.substring(1).strip() : s)
                .filter(s -> !s.isEmpty()).toList();
        if (fatal) {
            List<String> key = new ArrayList<>();
            for (int i = 0; i < useful.size(); i++) {
                String l = useful.get(i);
                if (l.matches("^(SIG[A-Z]+|EXCEPTION_[A-Z_]+) .*")) key.add(l);
                if (l.startsWith("Problematic frame") && i + 1 < useful.size()) key.add("frame " + useful.get(i + 1));
                if (l.contains("lathe-worker-crash-")) key.add("report " + l.replace("An error report file with more information is saved as:", "").strip());
            }
            if (!key.isEmpty()) return String.join(" | ", key);
        }
        return String.join(" | ", useful.subList(Math.max(0, useful.size() - 6), useful.size()));
    }

    private void stop() {
        Process p = process;
        process = null;
        info = null;
        if (p == null) return;
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Asks the worker to exit, and kills it if it does not within a few seconds. */
    @Override
    public synchronized void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            try {
                toWorker.write(WorkerMessages.JSON.writeValueAsString(WorkerMessages.Request.shutdown()) + "\n");
                toWorker.flush();
                p.waitFor(3, TimeUnit.SECONDS);
            } catch (IOException ignored) {
                // already gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        stop();
    }

    /** The java binary this JVM runs on (a jpackage launcher is not one: then the runtime's bin/java). */
    static String javaBinary() {
        String cmd = ProcessHandle.current().info().command().orElse(null);
        if (cmd != null) {
            String name = Path.of(cmd).getFileName().toString();
            if (name.equals("java") || name.equals("java.exe")) return cmd;
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", System.getProperty("os.name", "").startsWith("Windows") ? "java.exe" : "java");
        if (Files.isExecutable(java)) return java.toString();
        throw new IllegalStateException("cannot find a java binary to start the measurement worker (looked at " + cmd + " and " + java
                + "); measure in-process instead");
    }

    /** This JVM's class path with absolute entries, so the worker finds the classes whatever its working folder. */
    static String classPath() {
        String sep = java.io.File.pathSeparator;
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(java.util.regex.Pattern.quote(sep)))
            if (!e.isBlank()) out.add(Path.of(e).toAbsolutePath().toString());
        return String.join(sep, out);
    }
}
