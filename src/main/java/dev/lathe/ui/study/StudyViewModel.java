package dev.lathe.ui.study;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.export.CandidateExporter;
import dev.lathe.export.MultiCandidateExporter;
import dev.lathe.config.Studies;
import dev.lathe.config.StudyConfig;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.DriftCorrection;
import dev.lathe.study.Objective;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.Notice;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The study on display: its candidates (live during a search, or read from a study file), which of them are on
 * the Pareto front, which is the original, the selected one and its detail, and exporting it. Changes arrive
 * on the FX thread; reading the file and exporting run in the background.
 */
public final class StudyViewModel {
    private final Background background;
    private final ObjectProperty<Path> file = new SimpleObjectProperty<>();
    private final ObservableList<dev.lathe.study.DistilledCandidate> distilled = FXCollections.observableArrayList();
    private final javafx.collections.ObservableMap<Long, dev.lathe.study.ConfirmedSpeedup> confirmations = FXCollections.observableHashMap();
    private final ObservableList<CandidateRow> rows = FXCollections.observableArrayList();
    private final ObservableList<CandidateRow> readOnlyRows = FXCollections.unmodifiableObservableList(rows);
    private final Map<Long, CandidateRow> byId = new HashMap<>();
    private final ObjectProperty<CandidateRow> original = new SimpleObjectProperty<>();
    private final ObjectProperty<dev.lathe.study.Constraints> constraints = new SimpleObjectProperty<>(dev.lathe.study.Constraints.NONE);
    private final ObjectProperty<Objective> objective = new SimpleObjectProperty<>(Objective.LATENCY);
    /** The study on display: every derived figure (front, speed-up, drift-corrected latency, violations) is its. */
    private Study current = new Study(List.of(), List.of(), Objective.LATENCY, dev.lathe.study.Constraints.NONE);
    private final ObjectProperty<CandidateRow> selected = new SimpleObjectProperty<>();
    /** Set by "Show in graph" to the candidate the graph view should show; the main view takes it and clears it. */
    private final ObjectProperty<Long> graphRequest = new SimpleObjectProperty<>();
    private final ObservableList<CandidateRow> chosen = FXCollections.observableArrayList();
    private final ObjectProperty<CandidateDetail> detail = new SimpleObjectProperty<>();
    private final ObjectProperty<List<PrunableGroup>> groups = new SimpleObjectProperty<>(List.of());
    private final ObjectProperty<List<String>> quantizableLayers = new SimpleObjectProperty<>(List.of());
    private final StringProperty qualityMetric = new SimpleStringProperty("quality");
    private final IntegerProperty revision = new SimpleIntegerProperty();
    private final IntegerProperty measured = new SimpleIntegerProperty();
    private final BooleanProperty loading = new SimpleBooleanProperty();
    private final BooleanProperty exporting = new SimpleBooleanProperty();
    private final ObjectProperty<CandidateExporter.Result> lastExport = new SimpleObjectProperty<>();
    private final StringProperty exportMessage = new SimpleStringProperty("");
    private final StringProperty referenceDrift = new SimpleStringProperty("");
    private final ObjectProperty<dev.lathe.eval.timing.LatencyClock> clock = new SimpleObjectProperty<>(dev.lathe.eval.timing.LatencyClock.WALL);

    /** What opening a study file found: the study (candidates, references, front), and the model and settings it was made with. */
    public record Opened(Path file, Study study, Path modelPath, StudyConfig settings, String data) {
        public List<CandidateRecord> candidates() { return study.trials(); }

        public Set<Long> front() { return study.frontIds(); }

        public List<ReferenceRun> references() { return study.references(); }
    }

    public StudyViewModel(Background background) {
        this.background = background;
        selected.addListener((o, a, b) -> {
            refreshDetail();
            if (!Objects.equals(a, b)) {
                lastExport.set(null);
                exportMessage.set("");
            }
        });
        groups.addListener((o, a, b) -> refreshDetail());
    }

    public ReadOnlyObjectProperty<Path> fileProperty() { return file; }

    /** The study's distilled candidates, kept apart from the measured rows (the chart shows them beside the points they came from). */
    public ObservableList<dev.lathe.study.DistilledCandidate> distilled() { return distilled; }

    /** The front's confirmed speed-ups by candidate id (timed A B B A against the original after a search); empty before any. */
    public javafx.collections.ObservableMap<Long, dev.lathe.study.ConfirmedSpeedup> confirmations() { return confirmations; }

    /**
     * Reads the study's distilled candidates and confirmed speed-ups again, off the FX thread (after opening, after a
     * distillation, and after a search, which ends by confirming its front).
     */
    public void refreshDistilled() {
        Path f = file.get();
        if (f == null) {
            distilled.clear();
            confirmations.clear();
            return;
        }
        background.execute(() -> {
            List<dev.lathe.study.DistilledCandidate> read;
            java.util.Map<Long, dev.lathe.study.ConfirmedSpeedup> confirmed;
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(f)) {
                read = s.distilled();
                confirmed = s.confirmations();
            } catch (RuntimeException e) {
                read = List.of(); // a study being replaced or removed: nothing distilled or confirmed to show
                confirmed = java.util.Map.of();
            }
            List<dev.lathe.study.DistilledCandidate> found = read;
            java.util.Map<Long, dev.lathe.study.ConfirmedSpeedup> foundConfirmed = confirmed;
            javafx.application.Platform.runLater(() -> {
                if (!f.equals(file.get())) return;
                distilled.setAll(found);
                confirmations.clear();
                confirmations.putAll(foundConfirmed);
            });
        });
    }

    public Path file() { return file.get(); }

    /** The candidates in study order; read-only (the view sorts a wrapper of it). */
    public ObservableList<CandidateRow> rows() { return readOnlyRows; }

    public CandidateRow row(long id) { return byId.get(id); }

    public ReadOnlyObjectProperty<CandidateRow> originalProperty() { return original; }

    public ObjectProperty<CandidateRow> selectedProperty() { return selected; }

    public ObjectProperty<Long> graphRequestProperty() { return graphRequest; }

    /** Asks for the selected candidate in the graph view ("Show in graph"). */
    public void showSelectedInGraph() {
        CandidateRow r = selected.get();
        if (r != null && file.get() != null) graphRequest.set(r.id());
    }

    /** Every row selected in the candidates table (the selected one among them): what File ▸ Export writes. */
    public ObservableList<CandidateRow> chosenRows() { return chosen; }

    public ReadOnlyObjectProperty<CandidateDetail> detailProperty() { return detail; }

    /** The prunable groups of the study's model, so the detail can say "kept 96 of 128". */
    public ObjectProperty<List<PrunableGroup>> groupsProperty() { return groups; }

    /** The layers of the study's model that can be int8 (MatMul/Gemm), so a comparison can show every layer's precision. */
    public ObjectProperty<List<String>> quantizableLayersProperty() { return quantizableLayers; }

    /** The quality metric the study measures ("accuracy", "cosine", ...), for axis labels. */
    public ReadOnlyStringProperty qualityMetricProperty() { return qualityMetric; }

    /** Increases after every change of the candidates or their figures: the chart redraws on it. */
    public ReadOnlyIntegerProperty revisionProperty() { return revision; }

    /** Candidates measured successfully. */
    public ReadOnlyIntegerProperty measuredProperty() { return measured; }

    public ReadOnlyBooleanProperty loadingProperty() { return loading; }

    public ReadOnlyBooleanProperty exportingProperty() { return exporting; }

    public ReadOnlyObjectProperty<CandidateExporter.Result> lastExportProperty() { return lastExport; }

    public ReadOnlyStringProperty exportMessageProperty() { return exportMessage; }

    /** "Reference 40.1 ms ±3.0% over 5 measurements": how much the original's latency drifted; "" without references. */
    public ReadOnlyStringProperty referenceDriftProperty() { return referenceDrift; }

    /** Shows the drift of the study's reference measurements (the original re-measured during the search). */
    public void showReferences(List<ReferenceRun> references) {
        referenceDrift.set(referenceSummary(references));
    }

    /** The latest reference latency and the references' spread: half their range over their median, as ±%. */
    public static String referenceSummary(List<ReferenceRun> references) {
        if (references == null || references.isEmpty()) return "";
        DriftCorrection d = new DriftCorrection(references);
        ReferenceRun last = references.get(references.size() - 1);
        return references.size() == 1 ? "Reference " + Formats.ms(last.latencyMs()) + " (1 measurement)"
                : String.format(java.util.Locale.ROOT, "Reference %s ±%.1f%% over %d measurements", Formats.ms(last.latencyMs()),
                d.spread() * 50, references.size());
    }

    /** The clock the study's latencies are on (wall clock for a study from before the choice). */
    public ReadOnlyObjectProperty<dev.lathe.eval.timing.LatencyClock> clockProperty() { return clock; }

    public void setClock(dev.lathe.eval.timing.LatencyClock c) {
        clock.set(c == null ? dev.lathe.eval.timing.LatencyClock.WALL : c);
        refreshDetail();
    }

    /** Shows the study in {@code f}: a different file than the one on display clears the candidates. */
    public void show(Path f) {
        if (Objects.equals(f, file.get())) return;
        referenceDrift.set("");
        rows.clear();
        byId.clear();
        distilled.clear();
        original.set(null);
        selected.set(null);
        chosen.clear();
        file.set(f);
        recompute();
    }

    /** Replaces the candidates with {@code study}'s (the selection survives if its candidate is still there). */
    public void setCandidates(Path f, Study study) {
        show(f);
        current = study;
        Set<Long> ids = new HashSet<>();
        for (CandidateRecord c : study.trials()) {
            upsert(c);
            ids.add(c.id());
        }
        rows.removeIf(r -> !ids.contains(r.id()));
        byId.keySet().retainAll(ids);
        if (original.get() != null && !ids.contains(original.get().id())) original.set(null);
        if (selected.get() != null && !ids.contains(selected.get().id())) selected.set(null);
        applyFront();
        recompute();
    }

    /** A candidate measured (or failed) just now, with the study as it stands after it. */
    public void update(CandidateRecord c, Study study) {
        current = study;
        upsert(c);
        applyFront();
        recompute();
    }

    /** The study on display. */
    public Study study() { return current; }

    public void select(Long id) {
        selected.set(id == null ? null : byId.get(id));
    }

    private void upsert(CandidateRecord c) {
        CandidateRow row = byId.get(c.id());
        if (row == null) {
            row = new CandidateRow(c);
            byId.put(c.id(), row);
            rows.add(row);
        } else {
            row.setRecord(c);
        }
        if (row.isOriginal() && original.get() == null) original.set(row);
    }

    private void applyFront() {
        constraints.set(current.constraints());
        objective.set(current.objective());
        Set<Long> front = current.frontIds();
        for (CandidateRow r : rows) {
            r.setPareto(front.contains(r.id()));
            r.setViolations(current.describeViolations(r.record()));
        }
    }

    /** The study's constraints: the front is of the candidates meeting them, the others carry what they break. */
    public ReadOnlyObjectProperty<dev.lathe.study.Constraints> constraintsProperty() { return constraints; }

    /** What the study trades against quality: its front is on this figure. */
    public ReadOnlyObjectProperty<Objective> objectiveProperty() { return objective; }

    private void recompute() {
        int done = 0;
        String metric = null;
        for (CandidateRow r : rows) {
            CandidateRecord c = r.record();
            if (c.isDone()) {
                done++;
                if (metric == null && c.qualityMetric() != null) metric = c.qualityMetric();
            }
            r.setSpeedup(current.speedup(c));
            r.setCorrectedLatencyMs(current.correctedLatencyMs(c));
        }
        measured.set(done);
        qualityMetric.set(metric == null ? "quality" : metric);
        refreshDetail();
        revision.set(revision.get() + 1);
    }

    private void refreshDetail() {
        CandidateRow sel = selected.get();
        CandidateRow base = original.get();
        detail.set(sel == null ? null : CandidateDetail.of(sel, groups.get(), base == null ? null : base.record()));
    }

    /** Reads a study file in the background, shows its candidates, then hands what it found to {@code then}. */
    public void open(Path f, Consumer<Opened> then) {
        loading.set(true);
        background.submit("Opening study " + f.getFileName(), () -> read(f), o -> {
            loading.set(false);
            setCandidates(o.file(), o.study());
            refreshDistilled();
            setClock(o.settings() == null ? null : o.settings().measuring().clock());
            showReferences(o.references());
            if (then != null) then.accept(o);
        }, "Could not open study " + f.getFileName(), e -> loading.set(false));
    }

    static Opened read(Path f) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(f)) {
            Study study;
            try {
                study = Studies.read(s);
            } catch (IllegalArgumentException e) { // settings this version cannot read: shown as a plain latency study
                study = Study.load(s, Objective.LATENCY, dev.lathe.study.Constraints.NONE);
            }
            Path model = s.origin().map(dev.lathe.study.StudyOrigin::modelPath).map(Path::of).orElse(null);
            StudyConfig settings;
            try {
                settings = StudyConfig.of(s).orElse(null);
            } catch (IllegalArgumentException e) {
                settings = null;
            }
            return new Opened(f, study, model, settings, s.data().map(dev.lathe.study.DataIdentity::description).orElse(null));
        }
    }

    /** Whether exporting into {@code dir} would replace files already there. */
    public static boolean wouldOverwrite(Path dir) {
        return CandidateExporter.FILES.stream().anyMatch(f -> Files.exists(dir.resolve(f)));
    }

    /** Exports the selected candidate into {@code dir} without overwriting; see {@link #export(Path, boolean)}. */
    public Task<CandidateExporter.Result> export(Path dir) {
        return export(dir, false);
    }

    /**
     * Rebuilds the selected candidate, checks it and writes model.onnx and report.json into {@code dir}, in the
     * background. Returns the task, or null when there is nothing exportable selected (a notice says why).
     */
    public Task<CandidateExporter.Result> export(Path dir, boolean overwrite) {
        CandidateRow row = selected.get();
        Path study = file.get();
        if (row == null || study == null) {
            background.notify(Notice.warning("Select a measured candidate to export first."));
            return null;
        }
        if (!row.isDone()) {
            background.notify(Notice.warning("Candidate #" + row.id() + " is " + row.record().status().id() + "; only measured candidates can be exported."));
            return null;
        }
        long id = row.id();
        exporting.set(true);
        lastExport.set(null);
        exportMessage.set("Exporting candidate #" + id + "…");
        return background.submit("Exporting candidate #" + id, () -> {
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
                return CandidateExporter.export(s, id, dir, overwrite);
            }
        }, r -> {
            exporting.set(false);
            lastExport.set(r);
            String text = "Candidate #" + id + " exported: " + r.model().getFileName() + ", " + r.report().getFileName() + " and " + r.htmlReport().getFileName()
                    + " written to " + r.model().toAbsolutePath().getParent();
            exportMessage.set(text);
            background.notify(Notice.success(text));
        }, "Could not export candidate #" + id + " to " + dir, e -> {
            exporting.set(false);
            exportMessage.set("Export failed: " + Background.problem(e));
        });
    }

    /**
     * Exports the chosen rows into sub-folders {@code candidate-<id>} of {@code dir} with an {@code index.html}
     * (see {@link MultiCandidateExporter}), in the background; never overwrites. Returns the task, or null when
     * a chosen row is not measured (a notice says which).
     */
    public Task<MultiCandidateExporter.Result> exportSeveral(Path dir) {
        Path study = file.get();
        List<CandidateRow> rowsToExport = List.copyOf(chosen);
        if (study == null || rowsToExport.isEmpty()) {
            background.notify(Notice.warning("Select the measured candidates to export first."));
            return null;
        }
        List<Long> notDone = rowsToExport.stream().filter(r -> !r.isDone()).map(CandidateRow::id).toList();
        if (!notDone.isEmpty()) {
            background.notify(Notice.warning("Only measured candidates can be exported; deselect " + notDone.stream().map(i -> "#" + i).toList()));
            return null;
        }
        List<Long> ids = rowsToExport.stream().map(CandidateRow::id).sorted().toList();
        exporting.set(true);
        lastExport.set(null);
        exportMessage.set("Exporting " + ids.size() + " candidates…");
        return background.submit("Exporting " + ids.size() + " candidates", () -> {
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
                return MultiCandidateExporter.export(s, ids, dir, (done, total, next) -> {
                    if (next >= 0) javafx.application.Platform.runLater(() -> exportMessage.set("Exporting candidate #" + next + " (" + (done + 1) + " of " + total + ")…"));
                });
            }
        }, r -> {
            exporting.set(false);
            String text = ids.size() + " candidates exported to " + r.dir().toAbsolutePath() + ": " + String.join(", ",
                    ids.stream().map(MultiCandidateExporter::folderName).toList()) + ", " + r.index().getFileName() + " and " + r.plot().getFileName();
            exportMessage.set(text);
            background.notify(Notice.success(text));
        }, "Could not export " + ids.size() + " candidates to " + dir, e -> {
            exporting.set(false);
            exportMessage.set("Export failed: " + Background.problem(e));
        });
    }
}
