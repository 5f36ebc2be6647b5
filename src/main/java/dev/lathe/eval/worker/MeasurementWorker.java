package dev.lathe.eval.worker;

import dev.lathe.eval.MeasurementSession;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The measurement worker's entry point, run in a child JVM that {@link WorkerProcess} starts. It reads
 * requests from stdin and answers on stdout, one JSON line each ({@link WorkerMessages}). The real stdout is
 * kept for the protocol alone: {@code System.out} is pointed at stderr so that nothing a library prints can
 * corrupt an answer. When stdin closes (Lathe went away) the worker exits.
 */
public final class MeasurementWorker {
    /** Set to true (as a JVM system property) to enable the {@code crash} request, which tests use to kill a worker for real. */
    public static final String TEST_HOOKS_PROPERTY = "lathe.worker.testHooks";

    private MeasurementWorker() {}

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        MeasurementSession session = null;
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            WorkerMessages.Response answer;
            try {
                WorkerMessages.Request r = WorkerMessages.JSON.readValue(line, WorkerMessages.Request.class);
                answer = switch (r.type()) {
                    case "setup" -> {
                        session = MeasurementSession.open(r.setup());
                        yield WorkerMessages.Response.ready(session.info());
                    }
                    case "measure" -> {
                        if (session == null) yield WorkerMessages.Response.error("no setup received before measure");
                        // A model with external data by path: ONNX Runtime reads the data beside it, so a model over 2 GB measures too.
                        yield WorkerMessages.Response.measured(session.measure(dev.lathe.model.ModelImage.read(Path.of(r.modelPath()))));
                    }
                    case "profile" -> session == null ? WorkerMessages.Response.error("no setup received before profile")
                            : WorkerMessages.Response.profiled(session.profile(r.modelPath() == null ? null : Files.readAllBytes(Path.of(r.modelPath()))));
                    case "confirm" -> session == null ? WorkerMessages.Response.error("no setup received before confirm")
                            : WorkerMessages.Response.confirmed(session.confirm(dev.lathe.model.ModelImage.read(Path.of(r.modelPath()))));
                    case "reference" -> session == null ? WorkerMessages.Response.error("no setup received before reference")
                            : WorkerMessages.Response.measured(session.reference());
                    case "crash" -> crash(r.crash());
                    case "shutdown" -> {
                        protocol.flush();
                        System.exit(0);
                        yield null;
                    }
                    default -> WorkerMessages.Response.error("unknown request '" + r.type() + "'");
                };
            } catch (Exception e) {
                answer = WorkerMessages.Response.error(describe(e));
            }
            protocol.println(WorkerMessages.JSON.writeValueAsString(answer));
        }
        System.exit(0);
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m.strip());
    }

    /** Real deaths for tests, off unless the worker JVM was started with -Dlathe.worker.testHooks=true. */
    private static WorkerMessages.Response crash(String how) throws Exception {
        if (!Boolean.getBoolean(TEST_HOOKS_PROPERTY)) return WorkerMessages.Response.error("crash requests are for tests only");
        switch (how) {
            case "exit" -> System.exit(42);
            case "hang" -> Thread.sleep(Long.MAX_VALUE);
            case "native" -> {
                // A write through a null pointer: the JVM dies with SIGSEGV, as it would in a broken native kernel.
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                java.lang.reflect.Field f = unsafeClass.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                unsafeClass.getMethod("putLong", long.class, long.class).invoke(f.get(null), 0L, 42L);
            }
            default -> { return WorkerMessages.Response.error("unknown crash '" + how + "'"); }
        }
        return WorkerMessages.Response.error("still alive after crash '" + how + "'");
    }
}
