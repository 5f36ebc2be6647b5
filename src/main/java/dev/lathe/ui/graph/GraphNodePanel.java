package dev.lathe.ui.graph;

import dev.lathe.ui.common.Ui;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The side panel of the graph view: the selected node's operator type and name, its attributes, and each
 * input and output tensor with its type and shape where the model records them (weights marked as such).
 */
final class GraphNodePanel {
    private final ScrollPane root;
    private final VBox box = new VBox(10);
    private final Label op = Ui.label("", "graph-op");
    private final Label name = Ui.label("", "graph-name");
    private final GridPane attributes = new GridPane();
    private final VBox inputs = new VBox(6);
    private final VBox outputs = new VBox(6);
    private final VBox figures = new VBox(4);
    private final VBox empty;

    GraphNodePanel() {
        op.setId("graphNodeOp");
        name.setId("graphNodeName");
        attributes.setId("graphAttributes");
        inputs.setId("graphInputs");
        outputs.setId("graphOutputs");
        figures.setId("graphFigures");
        name.setWrapText(true);
        attributes.setHgap(10);
        attributes.setVgap(5);
        ColumnConstraints key = new ColumnConstraints();
        key.setMinWidth(70);
        ColumnConstraints value = new ColumnConstraints();
        value.setHgrow(Priority.ALWAYS);
        value.setFillWidth(true);
        attributes.getColumnConstraints().addAll(key, value);
        Label hint = Ui.label("Click a node, or find one by name or operator above, to see its attributes and tensor shapes.", "placeholder-text");
        hint.setWrapText(true);
        empty = new VBox(8, Ui.label("No node selected", "card-title"), hint);
        box.getStyleClass().add("graph-side-box");
        root = new ScrollPane(box);
        root.setFitToWidth(true);
        root.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        root.getStyleClass().add("graph-side");
        root.setMinWidth(260);
        root.setPrefWidth(340);
        root.setId("graphSidePanel");
        show(null, -1);
    }

    Node node() { return root; }

    void show(GraphModel g, int id) {
        show(g, id, null);
    }

    /** The node's attributes and tensors, and with a subject its measured figures: ms and share, kernel, error, change. */
    void show(GraphModel g, int id, dev.lathe.explain.GraphSubject subject) {
        if (g == null || id < 0) {
            box.getChildren().setAll(empty);
            return;
        }
        GraphModel.Node n = g.node(id);
        String domain = n.domain().isEmpty() || n.domain().equals("ai.onnx") ? "" : n.domain() + " · ";
        op.setText(switch (n.kind()) {
            case INPUT -> "Graph input";
            case OUTPUT -> "Graph output";
            case OPERATOR -> n.opType();
        });
        name.setText(n.name());
        Label kind = Ui.label(n.kind() == GraphModel.Kind.OPERATOR ? domain + "node " + id : "tensor", "muted", "small");

        attributes.getChildren().clear();
        int row = 0;
        for (GraphModel.Attribute a : n.attributes()) {
            Label k = Ui.label(a.name(), "graph-key");
            Label v = Ui.label(a.value(), "graph-value");
            v.setWrapText(true);
            v.setTooltip(new Tooltip(a.value()));
            attributes.addRow(row++, k, v);
        }
        if (n.attributes().isEmpty()) attributes.add(Ui.label(n.kind() == GraphModel.Kind.OPERATOR ? "none" : "—", "muted"), 0, 0, 2, 1);

        tensors(inputs, g, n.kind() == GraphModel.Kind.INPUT ? n.outputs() : n.inputs());
        tensors(outputs, g, n.kind() == GraphModel.Kind.INPUT ? java.util.List.of() : n.outputs());
        box.getChildren().setAll(new VBox(2, op, name, kind));
        if (subject != null && n.kind() == GraphModel.Kind.OPERATOR) {
            figures.getChildren().setAll(figureLines(subject, n.name()).stream().map(t -> {
                Label l = Ui.label(t, "graph-value");
                l.setWrapText(true);
                return (Node) l;
            }).toList());
            box.getChildren().addAll(Ui.sectionHeader("Figures · " + subject.title()), figures);
        }
        box.getChildren().addAll(Ui.sectionHeader("Attributes"), attributes,
                Ui.sectionHeader(n.kind() == GraphModel.Kind.OPERATOR ? "Inputs" : "Tensor"), inputs);
        if (n.kind() == GraphModel.Kind.OPERATOR) box.getChildren().addAll(Ui.sectionHeader("Outputs"), outputs);
    }

    /** What the side panel says of a node's figures, one line each (also read by tests). */
    static java.util.List<String> figureLines(dev.lathe.explain.GraphSubject subject, String node) {
        java.util.List<String> out = new java.util.ArrayList<>();
        dev.lathe.explain.GraphSubject.NodeFigures f = subject.figures(node);
        java.util.Locale r = java.util.Locale.ROOT;
        if (f == null) return java.util.List.of("no figures");
        if (f.ms() == null && subject.diff() != null && subject.diff().difference(node) != null
                && subject.diff().difference(node).kinds().contains(dev.lathe.explain.CandidateDiff.Kind.ONLY_BEFORE))
            return java.util.List.of("differs: " + subject.diff().difference(node).text());
        if (f.ms() != null) {
            out.add(String.format(r, "%.4f ms · %.1f%% of the run", f.ms(), f.share() * 100));
            if (f.kernel() != null) out.add("kernel " + f.kernel() + (f.provider() == null ? "" : " on " + f.provider().replace("ExecutionProvider", "")));
            if (!f.fusedWith().isEmpty()) out.add("fused with " + f.fusedWith().size() + " node(s); the kernel's time is shared equally");
        } else if (subject.profile() != null) out.add("0 ms: folded away when the session was built");
        else out.add("latency not measured (Profile)");
        if (f.relativeL2() != null) out.add(String.format(r, "error: relative L2 %.4g · cosine %.6f", f.relativeL2(), f.cosine()));
        if (node.equals(subject.firstJump())) out.add("the candidate's error first jumps here");
        if (f.change() != null) out.add("change: " + f.change().text());
        if (f.sensitivity() != null) out.add(String.format(r, "sensitivity: quality drop %.4f with this layer alone reduced", f.sensitivity()));
        dev.lathe.explain.CandidateDiff.Difference d = subject.diff() == null ? null : subject.diff().difference(node);
        if (d != null) out.add("differs: " + d.text());
        else if (subject.diff() != null) out.add("same in " + subject.diff().before() + " and " + subject.diff().after());
        return out;
    }

    private static void tensors(VBox into, GraphModel g, java.util.List<String> names) {
        into.getChildren().clear();
        if (names.isEmpty()) into.getChildren().add(Ui.label("none", "muted"));
        for (String t : names) {
            if (t.isEmpty()) {
                into.getChildren().add(Ui.label("(optional input left out)", "muted", "small"));
                continue;
            }
            GraphModel.TensorInfo info = g.tensor(t);
            Label nameLabel = Ui.label(t, "graph-tensor");
            nameLabel.setWrapText(true);
            Label shape = Ui.label(info.shape(), "graph-shape");
            shape.setWrapText(true);
            HBox line = new HBox(6, shape);
            line.setAlignment(Pos.CENTER_LEFT);
            if (info.initializer()) line.getChildren().add(Ui.label("weight", "chip"));
            VBox entry = new VBox(2, nameLabel, line);
            entry.setPadding(new Insets(0, 0, 2, 0));
            entry.getStyleClass().add("graph-tensor-entry");
            into.getChildren().add(entry);
        }
    }
}
