package dev.lathe.ui.compare;

import dev.lathe.ui.common.Ui;
import dev.lathe.ui.study.CandidateDetail;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;

import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.stage.Stage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Above the candidates table: Compare, enabled when exactly two rows are selected (Ctrl+click), also in the
 * table's context menu and on Ctrl+D; opens the two side by side, the original (or else the older) first.
 */
public final class CompareBar {
    public static final KeyCombination SHORTCUT = new KeyCodeCombination(KeyCode.D, KeyCombination.SHORTCUT_DOWN);

    private final StudyViewModel study;
    private final TableView<CandidateRow> table;
    private final BorderPane root = new BorderPane();
    private final HBox bar;

    public CompareBar(StudyViewModel study, TableView<CandidateRow> table) {
        this.study = study;
        this.table = table;
        BooleanBinding two = Bindings.size(table.getSelectionModel().getSelectedItems()).isEqualTo(2);
        Button compare = new Button("Compare");
        compare.setId("compareButton");
        compare.disableProperty().bind(two.not());
        compare.setTooltip(new Tooltip("Show the two selected candidates side by side (" + SHORTCUT.getDisplayText() + ")"));
        compare.setOnAction(e -> compareSelected());
        Label hint = Ui.label("", "hint");
        hint.textProperty().bind(Bindings.createStringBinding(() -> {
            int n = table.getSelectionModel().getSelectedItems().size();
            return n == 2 ? "Two candidates selected" : n < 2 ? "Ctrl+click a second candidate to compare two" : "Select exactly two candidates to compare";
        }, table.getSelectionModel().getSelectedItems()));
        hint.setMinWidth(0); // shrinks first when the filter beside it needs the room
        Ui.keepWhole(compare);
        bar = new HBox(10, compare, hint);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("compare-bar");
        root.setTop(bar);
        root.setCenter(table);

        MenuItem item = new MenuItem("Compare the two selected");
        item.setAccelerator(SHORTCUT);
        item.disableProperty().bind(two.not());
        item.setOnAction(e -> compareSelected());
        table.setContextMenu(new ContextMenu(item));
        table.setOnKeyPressed(e -> {
            if (SHORTCUT.match(e) && two.get()) {
                compareSelected();
                e.consume();
            }
        });
    }

    public Node node() { return root; }

    /** Puts {@code more} at the right end of the bar (the candidates filter), so the table keeps its height. */
    public void append(Node more) {
        HBox.setHgrow(more, javafx.scene.layout.Priority.ALWAYS);
        bar.getChildren().add(more);
    }

    /** Opens the comparison of the two selected rows; null when not exactly two are selected. */
    Stage compareSelected() {
        List<CandidateRow> rows = new ArrayList<>(table.getSelectionModel().getSelectedItems());
        if (rows.size() != 2) return null;
        rows.sort(Comparator.comparing((CandidateRow r) -> !r.isOriginal()).thenComparingLong(CandidateRow::id));
        CandidateRow base = study.originalProperty().get();
        var groups = study.groupsProperty().get();
        CandidateDetail a = CandidateDetail.of(rows.get(0), groups, base == null ? null : base.record());
        CandidateDetail b = CandidateDetail.of(rows.get(1), groups, base == null ? null : base.record());
        var window = table.getScene() == null ? null : table.getScene().getWindow();
        return CompareView.show(window, CandidateComparison.of(a, b, study.quantizableLayersProperty().get()));
    }
}
