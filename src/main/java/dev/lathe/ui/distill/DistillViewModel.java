package dev.lathe.ui.distill;

import dev.lathe.config.StudyConfig;
import dev.lathe.export.DistilledStudyExport;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Notice;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.Bindings;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * "Distill and export…" for the selected candidate: the form's fields (data file, defaulting to the study's; steps or
 * minutes; seed; learning rate; out folder), one run at a time in the background with its progress, loss curve,
 * elapsed and remaining time and the process's memory, Cancel (which leaves nothing behind: no folder, no row),
 * and at the end the report's figures. The work is {@link DistilledStudyExport}'s, as {@code lathe distill} does it.
 */
public final class DistillViewModel {
    /** One training step as the loss curve shows it. */
    public record LossPoint(int step, double loss) {}

    private final StudyViewModel study;
    private final Background background;
    private final ObjectProperty<Long> candidate = new SimpleObjectProperty<>();
    private final StringProperty data = new SimpleStringProperty(""), tokenizer = new SimpleStringProperty(""), out = new SimpleStringProperty("");
    private final BooleanProperty byMinutes = new SimpleBooleanProperty(false);
    private final StringProperty steps = new SimpleStringProperty("100"), minutes = new SimpleStringProperty("2"), seed = new SimpleStringProperty("1"),
            learningRate = new SimpleStringProperty("5e-5");
    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty status = new SimpleStringProperty(""), result = new SimpleStringProperty(""), problem = new SimpleStringProperty("");
    private final ObservableList<LossPoint> loss = FXCollections.observableArrayList();
    private final ObjectProperty<DistilledStudyExport.Result> last = new SimpleObjectProperty<>();
    private final BooleanBinding canStart;
    private AtomicBoolean cancel = new AtomicBoolean();
    private Task<DistilledStudyExport.Result> task;

    public DistillViewModel(StudyViewModel study, Background background) {
        this.study = study;
        this.background = background;
        canStart = Bindings.createBooleanBinding(() -> !running.get() && candidate.get() != null && !data.get().isBlank() && !out.get().isBlank(),
                running, candidate, data, out);
    }

    public ObjectProperty<Long> candidateProperty() { return candidate; }

    public StringProperty dataProperty() { return data; }

    public StringProperty tokenizerProperty() { return tokenizer; }

    public StringProperty outProperty() { return out; }

    /** True: the budget is {@link #minutesProperty()}; false: {@link #stepsProperty()}. */
    public BooleanProperty byMinutesProperty() { return byMinutes; }

    public StringProperty stepsProperty() { return steps; }

    public StringProperty minutesProperty() { return minutes; }

    public StringProperty seedProperty() { return seed; }

    public StringProperty learningRateProperty() { return learningRate; }

    public ReadOnlyBooleanProperty runningProperty() { return running; }

    public BooleanBinding canStartProperty() { return canStart; }

    /** Share of the planned steps done, 0 to 1 (-1 while preparing: rebuilding the candidate, the teacher's outputs). */
    public DoubleProperty progressProperty() { return progress; }

    /** Step, loss, elapsed and remaining time, memory. */
    public StringProperty statusProperty() { return status; }

    /** The report's figures once a run has finished. */
    public StringProperty resultProperty() { return result; }

    /** Why the last start was refused or the last run failed, or empty. */
    public StringProperty problemProperty() { return problem; }

    public ObservableList<LossPoint> loss() { return loss; }

    public ObjectProperty<DistilledStudyExport.Result> lastProperty() { return last; }

    /** Fills the form for the selected candidate: the study's data and tokenizer, a new folder beside the study. */
    public void prepare() {
        CandidateRow row = study.selectedProperty().get();
        Path file = study.file();
        candidate.set(row == null || !row.isDone() ? null : row.id());
        problem.set(candidate.get() == null ? "Select a measured candidate first." : "");
        result.set("");
        if (file == null || candidate.get() == null) return;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(file)) {
            StudyConfig.of(s).ifPresent(c -> {
                if (c.data().dataPath() != null) data.set(c.data().dataPath());
                tokenizer.set(c.data().tokenizerPath() == null ? "" : c.data().tokenizerPath());
            });
        } catch (RuntimeException e) {
            problem.set("Could not read the study's data settings: " + Background.problem(e));
        }
        Path dir = file.toAbsolutePath().getParent();
        String name = "candidate-" + candidate.get() + "-distilled";
        Path target = dir.resolve(name);
        for (int i = 2; Files.exists(target); i++) target = dir.resolve(name + "-" + i); // a free folder: an existing one is refused
        out.set(target.toString());
    }

    /** Starts the run; returns its task, or null when the form is refused (see {@link #problemProperty()}). */
    public Task<DistilledStudyExport.Result> start() {
        if (!canStart.get()) return null;
        DistillationSettings settings;
        Path dataPath = Path.of(data.get().trim()), outPath = Path.of(out.get().trim());
        Path tok = tokenizer.get().isBlank() ? null : Path.of(tokenizer.get().trim());
        try {
            long s = Long.parseLong(seed.get().trim());
            settings = byMinutes.get() ? DistillationSettings.minutes(positive(minutes.get(), "minutes"), s)
                    : DistillationSettings.steps((int) positive(steps.get(), "steps"), s);
            settings = settings.withLearningRate(positive(learningRate.get(), "learning rate"));
            if (!Files.isRegularFile(dataPath) && !Files.isDirectory(dataPath)) throw new IllegalArgumentException("data not found: " + dataPath);
            DistilledStudyExport.refuseExisting(outPath);
        } catch (RuntimeException e) {
            problem.set(e instanceof NumberFormatException ? "Steps, minutes, seed and learning rate must be numbers." : Background.problem(e));
            return null;
        }
        long id = candidate.get();
        Path file = study.file();
        AtomicBoolean stop = new AtomicBoolean();
        cancel = stop;
        problem.set("");
        result.set("");
        loss.clear();
        progress.set(-1);
        status.set("Rebuilding candidate #" + id + " and computing the original's outputs…");
        running.set(true);
        DistillationSettings chosen = settings;
        task = background.submit("Distilling candidate #" + id, () -> {
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(file)) {
                return DistilledStudyExport.run(s, id, dataPath, tok, chosen, outPath, (step, planned, l, ms) -> {
                    if (stop.get()) throw new CancellationException("cancelled at step " + step + "; nothing was written or recorded");
                    String line = stepLine(step, planned, l, ms);
                    Platform.runLater(() -> {
                        progress.set(step / (double) planned);
                        status.set(line);
                        loss.add(new LossPoint(step, l));
                    });
                    return true;
                });
            }
        }, r -> {
            running.set(false);
            progress.set(1);
            last.set(r);
            var d = r.distillation();
            result.set(String.format(Locale.ROOT, "%s %.4f → %.4f on the evaluation data (%d steps, %s, %.1f min). Wrote %s; recorded as distilled #%d.",
                    d.qualityMetric(), d.qualityBefore(), d.qualityAfter(), d.distillation().steps(),
                    d.distillation().stopReason().equals("steps") ? "all planned" : d.distillation().stopReason(),
                    d.distillation().millis() / 60000.0, r.model().getParent(), r.recorded().id()));
            background.notify(Notice.success("Candidate #" + id + " distilled: " + result.get()));
            study.refreshDistilled();
        }, "Could not distil candidate #" + id, e -> {
            running.set(false);
            progress.set(0);
            boolean cancelled = e instanceof CancellationException || e.getCause() instanceof CancellationException;
            problem.set(cancelled ? "Cancelled; nothing was written or recorded." : "Failed: " + Background.problem(e));
        });
        return task;
    }

    /** Stops the run at its next step; nothing is written. */
    public void cancel() {
        cancel.set(true);
    }

    private static double positive(String text, String what) {
        double v = Double.parseDouble(text.trim());
        if (!(v > 0)) throw new IllegalArgumentException(what + " must be positive, got " + text);
        return v;
    }

    static String stepLine(int step, int planned, double loss, long elapsedMs) {
        double left = step > 0 ? elapsedMs / (double) step * (planned - step) / 1000 : Double.NaN;
        return String.format(Locale.ROOT, "step %d of %d · loss %.5f · %s elapsed, about %s left · memory %s", step, planned, loss,
                clock(elapsedMs / 1000.0), clock(left), memory());
    }

    private static String clock(double seconds) {
        if (Double.isNaN(seconds)) return "-";
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }

    /** The process's resident memory (the engine's native tensors included), where the system tells; else the Java heap in use. */
    static String memory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return dev.lathe.ui.common.Formats.bytes(Long.parseLong(line.replaceAll("\\D", "")) * 1024) + " resident";
        } catch (Exception ignored) {
            // not Linux: fall back to the heap
        }
        Runtime rt = Runtime.getRuntime();
        return dev.lathe.ui.common.Formats.bytes(rt.totalMemory() - rt.freeMemory()) + " heap";
    }
}
