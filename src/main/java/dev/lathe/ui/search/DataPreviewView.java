package dev.lathe.ui.search;

import dev.lathe.eval.data.DataPreview;
import dev.lathe.ui.common.Ui;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Under the data path: what the search will use. A summary line, the calibration/evaluation split, and per kind
 * the class counts with a row of thumbnails, a CSV's first rows, a text's first lines or a NumPy file's arrays;
 * the loader's message when the data cannot be used.
 */
final class DataPreviewView {
    /** Columns of a CSV shown in the preview table; the rest are counted. */
    static final int SHOWN_COLUMNS = 6;

    private final VBox root = new VBox(4);
    private final Label summary = Ui.label("", "data-preview-summary");
    private final Label split = Ui.label("", "hint");
    private final Label problem = new Label();
    private final VBox details = new VBox(4);

    DataPreviewView(DataPreviewViewModel model) {
        root.setId("dataPreview");
        root.getStyleClass().add("data-preview");
        summary.setId("dataPreviewSummary");
        summary.setWrapText(true);
        split.setId("dataPreviewSplit");
        split.setWrapText(true);
        problem.setId("dataPreviewProblem");
        problem.getStyleClass().add("warning-box");
        problem.setGraphic(Ui.icon(Ui.WARNING, "warning-icon"));
        problem.setWrapText(true);
        problem.setMaxWidth(Double.MAX_VALUE);
        problem.setMinHeight(Label.USE_PREF_SIZE);
        problem.managedProperty().bind(problem.visibleProperty());
        problem.setVisible(false);
        details.setId("dataPreviewDetails");
        root.getChildren().addAll(summary, details, split, problem);
        model.previewProperty().addListener((o, a, p) -> show(p));
        model.describingProperty().addListener((o, a, busy) -> root.setOpacity(busy ? 0.6 : 1));
    }

    Node node() { return root; }

    private void show(DataPreview p) {
        details.getChildren().clear();
        if (p == null) return;
        summary.setText((p.found() ? "Found beside the model: " + p.data().getFileName() + " · " : "") + p.summary());
        split.setText(p.split() == null ? "" : p.split().describe());
        split.setVisible(p.split() != null);
        split.setManaged(p.split() != null);
        problem.setText(p.problem() == null ? "" : p.problem());
        problem.setVisible(p.problem() != null);
        switch (p.content()) {
            case DataPreview.Images i -> details.getChildren().addAll(classes(i.perClass()), thumbnails(i.thumbnails()));
            case DataPreview.Table t -> details.getChildren().add(table(t));
            case DataPreview.Text t -> details.getChildren().add(lines(t.firstLines(), t.lineCount()));
            case DataPreview.Arrays a -> {
                Label l = Ui.label(a.arrays().stream().map(DataPreview.ArrayInfo::describe).collect(Collectors.joining("\n")), "data-preview-arrays");
                l.setId("dataPreviewArrays");
                details.getChildren().add(l);
            }
            case DataPreview.Nothing n -> { }
        }
    }

    private static Node classes(Map<String, Integer> perClass) {
        Label l = Ui.label(perClass.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(" · ")), "hint");
        l.setId("dataPreviewClasses");
        l.setWrapText(true);
        return l;
    }

    private static Node thumbnails(List<java.nio.file.Path> files) {
        FlowPane row = new FlowPane(4, 4);
        row.setId("dataPreviewThumbnails");
        for (java.nio.file.Path f : files) {
            // Loaded in the background by JavaFX, scaled down as read.
            ImageView v = new ImageView(new Image(f.toUri().toString(), 40, 40, true, true, true));
            v.setFitWidth(40);
            v.setFitHeight(40);
            v.setPreserveRatio(true);
            Tooltip.install(v, new Tooltip(f.getParent().getFileName() + "/" + f.getFileName()));
            row.getChildren().add(v);
        }
        return row;
    }

    private static Node table(DataPreview.Table t) {
        TableView<List<String>> table = new TableView<>(FXCollections.observableArrayList(t.rows()));
        table.setId("dataPreviewTable");
        int shown = Math.min(SHOWN_COLUMNS, t.columns());
        for (int c = 0; c < shown; c++) {
            int col = c;
            TableColumn<List<String>, String> column = new TableColumn<>(t.header().get(c));
            column.setCellValueFactory(r -> new ReadOnlyObjectWrapper<>(col < r.getValue().size() ? r.getValue().get(col) : ""));
            column.setSortable(false);
            column.setPrefWidth(52);
            table.getColumns().add(column);
        }
        table.setColumnResizePolicy(TableView.UNCONSTRAINED_RESIZE_POLICY);
        table.setFixedCellSize(22);
        table.setPrefHeight(22 * (t.rows().size() + 1) + 8);
        table.setMaxHeight(table.getPrefHeight());
        table.setFocusTraversable(false);
        VBox box = new VBox(2, table);
        if (t.columns() > shown) box.getChildren().add(Ui.label("first " + shown + " of " + t.columns() + " columns; "
                + t.rows().size() + " of " + t.rowCount() + " rows", "hint"));
        return box;
    }

    private static Node lines(List<String> first, int total) {
        Label l = Ui.label(String.join("\n", first.stream().map(s -> s.length() > 70 ? s.substring(0, 69) + "…" : s).toList())
                + (total > first.size() ? "\n… " + (total - first.size()) + " more lines" : ""), "data-preview-lines");
        l.setId("dataPreviewLines");
        l.setWrapText(false);
        return l;
    }
}
