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
    /** A graph and its drawing, computed together off the FX thread. */
    record Laid(GraphModel graph, GraphLayout layout) {}

    private final Workbench workbench;
    private final BorderPane root = new BorderPane();
    private final GraphCanvas canvas = new GraphCanvas();
    private final GraphNodePanel panel = new GraphNodePanel();
    private final TextField find = new TextField();
    private final Label matchLabel = Ui.label("", "graph-match");
    private final Label stats = Ui.label("", "graph-stats");
    private final BooleanProperty layingOut = new SimpleBooleanProperty();
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
        HBox bar = new HBox(8, find, previous, next, matchLabel, Ui.spacer(), stats, zoomOut, zoomIn, fit, top);
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

        canvas.selectedProperty().addListener((o, a, id) -> panel.show(graph, id.intValue()));
        workbench.model().summaryProperty().addListener((o, a, s) -> modelChanged());
        modelChanged();
    }

    public Node node() { return root; }

    GraphCanvas canvas() { return canvas; }

    GraphModel graph() { return graph; }

    ReadOnlyBooleanProperty layingOutProperty() { return layingOut; }

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
        long gen = ++generation;
        if (m == null) {
            show(null);
            return;
        }
        layingOut.set(true);
        workbench.background().submit("Laying out the graph of " + workbench.model().name(), () -> {
            GraphModel g = GraphModel.of(m.proto());
            return new Laid(g, GraphLayout.of(g));
        }, laid -> {
            if (gen != generation) return;
            layingOut.set(false);
            show(laid);
        }, "Could not draw the graph of " + workbench.model().name(), e -> {
            if (gen == generation) layingOut.set(false);
        });
    }

    private void show(Laid laid) {
        graph = laid == null ? null : laid.graph();
        canvas.show(graph, laid == null ? null : laid.layout());
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
