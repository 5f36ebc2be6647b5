package dev.lathe.ui.common;

import javafx.application.Platform;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.concurrent.Task;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs model work off the FX thread and reports back on it: a busy count and status line for the status bar,
 * and notices (errors, warnings, results) for the notification pane. All methods are called on the FX thread.
 */
public final class Background {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lathe-ui-worker-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final IntegerProperty busy = new SimpleIntegerProperty();
    private final StringProperty status = new SimpleStringProperty("Ready");
    private final ObjectProperty<Notice> notice = new SimpleObjectProperty<>();

    /** Number of background jobs under way (the search excluded: it has its own progress bar). */
    public ReadOnlyIntegerProperty busyProperty() { return busy; }

    public ReadOnlyStringProperty statusProperty() { return status; }

    /** The latest notice; a new notice object each time, so listeners fire even for repeated texts. */
    public ReadOnlyObjectProperty<Notice> noticeProperty() { return notice; }

    public void notify(Notice n) {
        if (Platform.isFxApplicationThread()) notice.set(n);
        else Platform.runLater(() -> notice.set(n));
    }

    public void status(String text) {
        if (Platform.isFxApplicationThread()) status.set(text);
        else Platform.runLater(() -> status.set(text));
    }

    /**
     * Runs {@code work} on a worker thread. On success {@code done} runs on the FX thread; on failure an
     * error notice reads "{@code failure}: problem" (the problem without a repeated file name) and
     * {@code failed} runs, if given.
     */
    public <T> Task<T> submit(String activity, Callable<T> work, Consumer<T> done, String failure, Consumer<Throwable> failed) {
        Task<T> task = new Task<>() {
            @Override
            protected T call() throws Exception {
                return work.call();
            }
        };
        busy.set(busy.get() + 1);
        status.set(activity + "…");
        task.setOnSucceeded(e -> {
            finish();
            if (done != null) done.accept(task.getValue());
        });
        task.setOnFailed(e -> {
            finish();
            Throwable ex = task.getException();
            notice.set(Notice.error(failure + ": " + problem(ex)));
            if (failed != null) failed.accept(ex);
        });
        task.setOnCancelled(e -> finish());
        pool.execute(task);
        return task;
    }

    private void finish() {
        busy.set(Math.max(0, busy.get() - 1));
        if (busy.get() == 0) status.set("Ready");
    }

    public void execute(Runnable r) { pool.execute(r); }

    public void shutdown() { pool.shutdownNow(); }

    /**
     * A readable problem description: the message of the first cause that has one, without the "file.onnx: "
     * prefix Lathe's exceptions start with (the notice names the file already), or the exception type.
     */
    public static String problem(Throwable ex) {
        Throwable t = ex;
        while (t != null && (t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null && t.getCause() != t) t = t.getCause();
        if (t == null) return "unknown error";
        String m = t.getMessage();
        if (m == null || m.isBlank()) return t.getClass().getSimpleName();
        int colon = m.indexOf(": ");
        if (colon > 0 && colon < 120) {
            String head = m.substring(0, colon);
            if (!head.contains(" ") && head.contains(".")) m = m.substring(colon + 2); // "model.onnx: problem"
        }
        if (t instanceof Error || (t instanceof java.io.IOException && !(t instanceof java.nio.file.FileSystemException)))
            m = t.getClass().getSimpleName() + ": " + m;
        if (t instanceof java.nio.file.NoSuchFileException) m = "file not found (" + t.getMessage() + ")";
        if (t instanceof java.nio.file.AccessDeniedException) m = "permission denied (" + t.getMessage() + ")";
        return m;
    }
}
