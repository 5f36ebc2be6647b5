package dev.lathe.ui.graph;

import dev.lathe.model.OnnxModel;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.Ui;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.controlsfx.control.MaskerPane;
import dev.lathe.eval.profile.ModelProfile;
import dev.lathe.explain.GraphSubject;
import dev.lathe.explain.Profiles;
import dev.lathe.explain.StudyCandidates;
import dev.lathe.model.InputShapes;
import dev.lathe.study.ProfileStore;
import dev.lathe.study.storage.SqliteStudyStorage;
import javafx.collections.FXCollections;
import javafx.scene.control.ComboBox;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The graph tab: the open model's ONNX graph laid out in layers (in the background, whenever another model
 * is loaded) and drawn on a canvas, a find field that steps through the nodes whose name or operator matches,
 * zoom buttons, and the selected node's attributes and tensor shapes at the side.
 */
public final class GraphView {
    /** A graph and its drawing, computed together off the FX thread, with what it shows (null: a plain graph). */
    record Laid(GraphModel graph, GraphLayout layout, GraphSubject subject, OnnxModel model) {}

    private final Workbench workbench;
    private final BorderPane root = new BorderPane();
    private final GraphCanvas canvas = new GraphCanvas();
    private final GraphNodePanel panel = new GraphNodePanel();
    private final TextField find = new TextField();
    private final Label matchLabel = Ui.label("", "graph-match");
    private final Label stats = Ui.label("", "graph-stats");
    private final BooleanProperty layingOut = new SimpleBooleanProperty();
    private final BooleanProperty profiling = new SimpleBooleanProperty();
    private final ComboBox<GraphOverlay.Mode> overlayChoice = new ComboBox<>(FXCollections.observableArrayList(GraphOverlay.Mode.values()));
    private final Label subjectLabel = Ui.label("", "graph-stats");
    private final Button profileButton = new Button("Profile");
    private final Button originalButton = new Button("Original");
    private final ComboBox<Long> compareChoice = new ComboBox<>();
    /** The candidate shown (null: the original), for comparing it with another. */
    private Long subjectId;
    private GraphSubject subject;
    /** The model behind {@link #subject}: the original, or the rebuilt candidate. */
    private OnnxModel subjectModel;
    private Path subjectStudy;
    private GraphModel graph;
    private OnnxModel shownModel;
    private long generation;
    private List<Integer> matches = List.of();
    private int matchIndex = -1;

    public GraphView(Workbench workbench) {
        this.workbench = workbench;
        root.setId("graphView");
        canvas.setId("graphCanvas");
        find.setId("graphFind");
        matchLabel.setId("graphMatches");
        stats.setId("graphStats");

        find.setPromptText("Find a node by name or operator (Ctrl+F)");
        find.setPrefColumnCount(28);
        find.textProperty().addListener((o, a, text) -> search(text));
        find.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER) {
                step(e.isShiftDown() ? -1 : 1);
                e.consume();
            } else if (e.getCode() == KeyCode.ESCAPE) {
                find.clear();
                canvas.requestFocus();
                e.consume();
            }
        });
        Button previous = small("▲", "Previous match (Shift+Enter)", () -> step(-1));
        Button next = small("▼", "Next match (Enter)", () -> step(1));
        previous.setId("graphPrevious");
        next.setId("graphNext");
        Button zoomOut = small("−", "Zoom out (−, mouse wheel)", () -> canvas.zoom(0.8));
        zoomOut.setId("graphZoomOut");
        Button zoomIn = small("+", "Zoom in (+, mouse wheel)", () -> canvas.zoom(1.25));
        zoomIn.setId("graphZoomIn");
        Button fit = new Button("Fit");
        fit.setId("graphFit");
        fit.setTooltip(new Tooltip("The whole graph in view (0)"));
        fit.setOnAction(e -> canvas.fit());
        Button top = new Button("Top");
        top.setId("graphTop");
        top.setTooltip(new Tooltip("Back to the inputs at a readable size"));
        top.setOnAction(e -> canvas.home());
        overlayChoice.setId("graphOverlay");
        overlayChoice.setValue(GraphOverlay.Mode.NONE);
        overlayChoice.setTooltip(new Tooltip("Colour the nodes by latency share, error, sensitivity, or what the candidate changed"));
        overlayChoice.valueProperty().addListener((o, a, m) -> applyOverlay());
        subjectLabel.setId("graphSubject");
        profileButton.setId("graphProfile");
        profileButton.setTooltip(new Tooltip("Time each node with ONNX Runtime's profiler (in a measurement worker); kept in the study when one is open"));
        profileButton.setOnAction(e -> profile());
        profileButton.disableProperty().bind(profiling.or(layingOut));
        originalButton.setId("graphOriginal");
        originalButton.setTooltip(new Tooltip("Back to the original model"));
        originalButton.setOnAction(e -> showOriginal());
        compareChoice.setId("graphCompare");
        compareChoice.setPromptText("Compare with…");
        compareChoice.setTooltip(new Tooltip("Another candidate of the study: the nodes whose width, precision or dropped state differ are marked (overlay Differences)"));
        compareChoice.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(Long id) { return id == null ? "" : "vs #" + id; }

            @Override
            public Long fromString(String s) { return null; }
        });
        compareChoice.setOnShowing(e -> compareChoice.getItems().setAll(workbench.study().rows().stream().map(r -> r.id())
                .filter(id -> !id.equals(subjectId)).sorted().toList()));
        compareChoice.valueProperty().addListener((o, a, id) -> {
            if (id != null && subjectId != null && subjectStudy != null && !id.equals(subjectId)
                    && (subject == null || subject.diff() == null || !subject.diff().before().equals("candidate #" + id))) showDifference(subjectStudy, id, subjectId);
        });
        compareChoice.visibleProperty().bind(originalButton.visibleProperty());
        compareChoice.managedProperty().bind(compareChoice.visibleProperty());
        originalButton.setVisible(false);
        HBox bar = new HBox(8, find, previous, next, matchLabel, Ui.spacer(), subjectLabel, Ui.label("Overlay", "muted"), overlayChoice, profileButton,
                compareChoice, originalButton, stats, zoomOut, zoomIn, fit, top);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("graph-toolbar");
        HBox.setHgrow(find, Priority.SOMETIMES);

        Label none = Ui.label("Open a model to see its graph.", "placeholder-text");
        MaskerPane masker = new MaskerPane();
        masker.setText("Laying out the graph…");
        masker.visibleProperty().bind(layingOut);
        StackPane drawing = new StackPane(canvas, none, masker);
        none.visibleProperty().bind(workbench.model().summaryProperty().isNull().and(layingOut.not()));
        drawing.setMinWidth(300);

        SplitPane split = new SplitPane(drawing, panel.node());
        split.setDividerPositions(0.74);
        SplitPane.setResizableWithParent(panel.node(), false);
        root.setTop(bar);
        root.setCenter(split);
        VBox.setVgrow(split, Priority.ALWAYS);

        canvas.selectedProperty().addListener((o, a, id) -> panel.show(graph, id.intValue(), subject));
        workbench.model().summaryProperty().addListener((o, a, s) -> modelChanged());
        workbench.sensitivity().reportProperty().addListener((o, a, r) -> {
            if (subject != null) setSubject(withSensitivity(subject));
        });
        modelChanged();
    }

    public Node node() { return root; }

    GraphCanvas canvas() { return canvas; }

    GraphModel graph() { return graph; }

    ReadOnlyBooleanProperty layingOutProperty() { return layingOut; }

    ReadOnlyBooleanProperty profilingProperty() { return profiling; }

    GraphSubject subject() { return subject; }

    ComboBox<GraphOverlay.Mode> overlayChoice() { return overlayChoice; }

    /** Puts the cursor in the find field with its text selected (Ctrl+F). */
    public void focusFind() {
        find.requestFocus();
        find.selectAll();
    }

    private static Button small(String text, String tip, Runnable action) {
        Button b = new Button(text);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        b.setMinWidth(30);
        return b;
    }

    /** A new model on the workbench (not a recount of the same one at another shape): lay it out in the background. */
    private void modelChanged() {
        OnnxModel m = workbench.model().loadedModel();
        if (m == shownModel) return;
        shownModel = m;
        showOriginal();
    }

    /** The workbench's model itself, every tensor's shape probed at the model view's input shape. */
    public void showOriginal() {
        OnnxModel m = shownModel;
        if (m == null) {
            ++generation;
            subjectId = null;
            show(null);
            return;
        }
        InputShapes shapes = workbench.model().shapes();
        Path study = workbench.study().file();
        lay("Laying out the graph of " + workbench.model().name(), () -> {
            ModelProfile stored = null;
            if (study != null) {
                try {
                    stored = Profiles.stored(study, ProfileStore.ORIGINAL).orElse(null);
                } catch (RuntimeException e) {
                    stored = null; // a study of another model, or unreadable: no stored profile
                }
            }
            GraphSubject s;
            try {
                s = GraphSubject.original(m, shapes == null ? InputShapes.of(1, 128) : shapes, stored);
            } catch (Exception e) {
                // A model ONNX Runtime cannot run still gets its graph drawn, with the shapes it records.
                GraphModel g = GraphModel.of(m.proto());
                return new Laid(g, GraphLayout.of(g), null, m);
            }
            GraphModel g = GraphModel.of(s.display(), s.shapes());
            return new Laid(g, GraphLayout.of(g), s, m);
        }, null, null, null);
    }

    /** Candidate {@code id} of {@code study}: rebuilt, with its changes, its per-node error and any stored profile. */
    public void showCandidate(Path study, long id) {
        InputShapes shapes = workbench.model().shapes();
        lay("Rebuilding candidate #" + id + " for the graph", () -> {
            try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
                StudyCandidates c = StudyCandidates.of(store);
                InputShapes at = shapes != null ? shapes : c.config().data().inputShapes();
                GraphSubject s = GraphSubject.candidate(c, id, at);
                GraphModel g = GraphModel.of(s.display(), s.shapes());
                return new Laid(g, GraphLayout.of(g), s, c.build(id));
            }
        }, study, id, GraphOverlay.Mode.CHANGES);
    }

    /**
     * Candidate {@code after} of {@code study} with what differs from candidate {@code before} marked (width,
     * precision, dropped state, nodes only one has), each with before → after, on the Differences overlay.
     */
    public void showDifference(Path study, long before, long after) {
        InputShapes shapes = workbench.model().shapes();
        lay("Comparing candidates #" + before + " and #" + after, () -> {
            try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
                StudyCandidates c = StudyCandidates.of(store);
                InputShapes at = shapes != null ? shapes : c.config().data().inputShapes();
                GraphSubject s = GraphSubject.compared(c, before, after, at);
                GraphModel g = GraphModel.of(s.display(), s.shapes());
                return new Laid(g, GraphLayout.of(g), s, c.build(after));
            }
        }, study, after, GraphOverlay.Mode.DIFFERENCES);
    }

    private void lay(String activity, java.util.concurrent.Callable<Laid> work, Path study, Long id, GraphOverlay.Mode mode) {
        long gen = ++generation;
        layingOut.set(true);
        workbench.background().submit(activity, work, laid -> {
            if (gen != generation) return;
            layingOut.set(false);
            subjectStudy = study;
            subjectId = id;
            originalButton.setVisible(id != null);
            if (laid.subject() == null || laid.subject().diff() == null) compareChoice.setValue(null);
            show(laid);
            if (mode == GraphOverlay.Mode.DIFFERENCES) overlayChoice.setValue(mode);
            else if (mode != null && overlayChoice.getValue() == GraphOverlay.Mode.NONE) overlayChoice.setValue(mode);
            else if (overlayChoice.getValue() == GraphOverlay.Mode.DIFFERENCES && laid.subject() != null && laid.subject().diff() == null)
                overlayChoice.setValue(mode == null ? GraphOverlay.Mode.NONE : mode);
        }, "Could not draw the graph", e -> {
            if (gen == generation) layingOut.set(false);
        });
    }

    /** Times each node of what is shown (in a measurement worker), stores it with the study if there is one, and shows the latency heat. */
    void profile() {
        if (subject == null || subjectModel == null) return;
        GraphSubject s = subject;
        boolean candidate = subjectStudy != null;
        Path study = candidate ? subjectStudy : workbench.study().file();
        Path original = candidate ? null : workbench.model().path();
        InputShapes shapes = workbench.model().shapes() == null ? InputShapes.of(1, 128) : workbench.model().shapes();
        OnnxModel model = candidate ? subjectModel : null;
        profiling.set(true);
        workbench.background().submit("Profiling " + s.title(), () -> {
            Path source = original;
            String data = null, tokenizer = null;
            if (candidate) {
                try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
                    StudyCandidates c = StudyCandidates.of(store);
                    source = c.originalPath();
                    data = c.config().data().dataPath();
                    tokenizer = c.config().data().tokenizerPath();
                }
            }
            Path keep = study;
            if (!candidate && keep != null) {
                try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(keep)) {
                    if (!StudyCandidates.of(store).original().sha256().equals(subjectModel.sha256())) keep = null; // another model's study
                } catch (RuntimeException e) {
                    keep = null;
                }
            }
            return Profiles.profile(GraphSubject.profileSetup(source, shapes, data, tokenizer), model, keep, s.studySubject(), false, null).profile();
        }, p -> {
            profiling.set(false);
            if (subject != s) return;
            if (!candidate) workbench.layerTimes().show(subjectModel, p);
            setSubject(s.withProfile(p));
            overlayChoice.setValue(GraphOverlay.Mode.LATENCY);
            applyOverlay();
        }, "Could not profile " + s.title(), e -> profiling.set(false));
    }

    private GraphSubject withSensitivity(GraphSubject s) {
        var report = workbench.sensitivity().reportProperty().get();
        if (report == null || subjectStudy != null) return s;
        java.util.Map<String, Double> drops = new java.util.HashMap<>();
        for (var l : report.layers()) if (l.error() == null) drops.merge(l.layer(), l.drop(), Math::max);
        return s.withSensitivity(drops);
    }

    private void setSubject(GraphSubject s) {
        subject = s;
        subjectLabel.setText(s == null ? "" : s.title() + (s.profile() == null ? "" : String.format(Locale.ROOT, " · %.2f ms", s.profile().totalMs())));
        applyOverlay();
        panel.show(graph, canvas.selectedProperty().get(), subject);
    }

    private void applyOverlay() {
        if (graph == null) return;
        canvas.setOverlay(GraphOverlay.of(overlayChoice.getValue(), graph, subject));
    }

    /** Writes the whole graph as SVG, or the current view as PNG, with the overlay and its legend. */
    public void export(Path file) throws java.io.IOException {
        if (graph == null) throw new IllegalStateException("no graph to export");
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            java.awt.image.BufferedImage image = javafx.embed.swing.SwingFXUtils.fromFXImage(canvas.snapshot(), null);
            javax.imageio.ImageIO.write(image, "png", file.toFile());
        } else {
            java.nio.file.Files.writeString(file, GraphSvg.write(graph, canvas.graphLayout(), canvas));
        }
    }

    /** File ▸ Export graph…: asks where, then writes SVG or PNG by the chosen extension. */
    public void chooseExport(javafx.stage.Window owner) {
        if (graph == null) return;
        javafx.stage.FileChooser chooser = new javafx.stage.FileChooser();
        chooser.setTitle("Export graph");
        chooser.getExtensionFilters().addAll(new javafx.stage.FileChooser.ExtensionFilter("SVG (whole graph)", "*.svg"),
                new javafx.stage.FileChooser.ExtensionFilter("PNG (current view)", "*.png"));
        chooser.setInitialFileName(workbench.model().name() + (subject == null ? "" : "-" + subject.title().replace(" #", "-")) + ".svg");
        java.io.File f = chooser.showSaveDialog(owner);
        if (f == null) return;
        try {
            export(f.toPath());
        } catch (java.io.IOException | RuntimeException e) {
            workbench.background().notify(dev.lathe.ui.common.Notice.error("Could not export the graph to " + f + ": " + e.getMessage()));
        }
    }

    private void show(Laid laid) {
        graph = laid == null ? null : laid.graph();
        canvas.show(graph, laid == null ? null : laid.layout());
        subjectModel = laid == null ? null : laid.model();
        setSubject(laid == null || laid.subject() == null ? null : withSensitivity(laid.subject()));
        panel.show(null, -1);
        if (laid == null) stats.setText("");
        else stats.setText(Formats.count(graph.nodes().size()) + " nodes · " + Formats.count(graph.edges().size()) + " edges · "
                + laid.layout().layerCount + " layers · laid out in " + laid.layout().millis + " ms");
        search(find.getText());
    }

    /** Marks every node whose name or operator type contains {@code text} (ignoring case), in reading order. */
    private void search(String text) {
        matchIndex = -1;
        String q = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (graph == null || q.isEmpty()) {
            matches = List.of();
            canvas.setMatches(new BitSet());
            matchLabel.setText("");
            return;
        }
        GraphLayout l = canvas.graphLayout();
        List<Integer> found = new ArrayList<>();
        BitSet marked = new BitSet();
        for (GraphModel.Node n : graph.nodes()) {
            if (n.name().toLowerCase(Locale.ROOT).contains(q) || n.opType().toLowerCase(Locale.ROOT).contains(q)) {
                found.add(n.id());
                marked.set(n.id());
            }
        }
        found.sort(Comparator.<Integer>comparingInt(v -> l.layer[v]).thenComparingDouble(v -> l.x[v]));
        matches = found;
        canvas.setMatches(marked);
        matchLabel.setText(found.isEmpty() ? "no match" : found.size() == 1 ? "1 match" : found.size() + " matches");
    }

    /** Selects and centres the next ({@code +1}) or previous ({@code -1}) match. */
    void step(int direction) {
        if (matches.isEmpty()) return;
        matchIndex = matchIndex < 0 ? (direction > 0 ? 0 : matches.size() - 1) : Math.floorMod(matchIndex + direction, matches.size());
        int id = matches.get(matchIndex);
        canvas.selectedProperty().set(id);
        canvas.centreOn(id);
        matchLabel.setText((matchIndex + 1) + " of " + matches.size());
    }
}
