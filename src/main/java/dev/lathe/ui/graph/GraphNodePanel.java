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
    private final VBox empty;

    GraphNodePanel() {
        op.setId("graphNodeOp");
        name.setId("graphNodeName");
        attributes.setId("graphAttributes");
        inputs.setId("graphInputs");
        outputs.setId("graphOutputs");
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
        box.getChildren().setAll(new VBox(2, op, name, kind),
                Ui.sectionHeader("Attributes"), attributes,
                Ui.sectionHeader(n.kind() == GraphModel.Kind.OPERATOR ? "Inputs" : "Tensor"), inputs);
        if (n.kind() == GraphModel.Kind.OPERATOR) box.getChildren().addAll(Ui.sectionHeader("Outputs"), outputs);
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
