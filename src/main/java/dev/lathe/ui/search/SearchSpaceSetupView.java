package dev.lathe.ui.search;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.config.KeepRanges;
import dev.lathe.search.SearchSpace;
import dev.lathe.ui.common.Ui;
import javafx.beans.binding.Bindings;
import javafx.collections.MapChangeListener;
import javafx.collections.SetChangeListener;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.util.List;
import java.util.Locale;

/**
 * The global minimum keep ratio, a table of the model's groups (kind, units, the keep range each searches in,
 * "whole" to leave it unpruned) and the removable blocks with "never drop".
 */
final class SearchSpaceSetupView {
    private final SearchSpaceSetupViewModel s;
    private final VBox root = new VBox(6);

    SearchSpaceSetupView(SearchSpaceSetupViewModel s) {
        this.s = s;
        CheckBox override = new CheckBox("Lowest keep ratio for all groups");
        override.setId("minKeepOverride");
        Spinner<Double> minKeep = new Spinner<>();
        SpinnerValueFactory.DoubleSpinnerValueFactory f = new SpinnerValueFactory.DoubleSpinnerValueFactory(0.05, 1, SearchSpace.MIN_KEEP, 0.05);
        minKeep.setValueFactory(f);
        minKeep.setEditable(true);
        minKeep.setId("minKeepSpinner");
        minKeep.setPrefWidth(90);
        minKeep.disableProperty().bind(override.selectedProperty().not());
        override.setSelected(s.minKeepProperty().get() != null);
        if (s.minKeepProperty().get() != null) f.setValue(s.minKeepProperty().get());
        override.selectedProperty().addListener((o, a, on) -> s.minKeepProperty().set(on ? f.getValue() : null));
        f.valueProperty().addListener((o, a, v) -> { if (override.isSelected()) s.minKeepProperty().set(v); });
        s.minKeepProperty().addListener((o, a, v) -> {
            override.setSelected(v != null);
            if (v != null && !v.equals(f.getValue())) f.setValue(v);
        });
        override.setTooltip(new Tooltip("Without it every group searches keep ratios from " + SearchSpace.MIN_KEEP
                + " to 1; a group's own range below beats this one"));
        GridPane global = SearchView.form();
        global.add(override, 0, 0);
        global.add(minKeep, 1, 0);

        Label groupsHeader = Ui.label("", "hint");
        groupsHeader.setId("keepRangeSummary");
        groupsHeader.textProperty().bind(Bindings.createStringBinding(() -> s.groups().size() + " prunable groups · "
                + s.groupRanges().size() + " with their own range", s.groups(), s.groupRanges()));
        Label blocksHeader = Ui.label("Removable blocks: tick to never drop one", "hint");
        ListView<RemovableBlock> blocks = blockList();
        blocksHeader.visibleProperty().bind(Bindings.isNotEmpty(s.blocks()));
        blocksHeader.managedProperty().bind(blocksHeader.visibleProperty());
        blocks.visibleProperty().bind(blocksHeader.visibleProperty());
        blocks.managedProperty().bind(blocksHeader.visibleProperty());
        root.getChildren().addAll(global, groupsHeader, groupTable(), blocksHeader, blocks);
    }

    Node node() { return root; }

    private TableView<PrunableGroup> groupTable() {
        TableView<PrunableGroup> table = new TableView<>(s.groups());
        table.setId("keepRangeTable");
        table.setPlaceholder(Ui.label("Open a model to list its groups", "hint"));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        TableColumn<PrunableGroup, String> name = new TableColumn<>("Group");
        name.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(c.getValue().name()));
        name.setPrefWidth(90);
        TableColumn<PrunableGroup, String> kind = new TableColumn<>("Kind");
        kind.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(c.getValue().kind().id()));
        kind.setPrefWidth(70);
        TableColumn<PrunableGroup, Number> units = new TableColumn<>("Units");
        units.setCellValueFactory(c -> new javafx.beans.property.SimpleIntegerProperty(c.getValue().size()));
        units.setPrefWidth(44);
        TableColumn<PrunableGroup, PrunableGroup> range = new TableColumn<>("Keep");
        range.setCellValueFactory(c -> new javafx.beans.property.SimpleObjectProperty<>(c.getValue()));
        range.setCellFactory(c -> new RangeCell());
        range.setPrefWidth(150);
        table.getColumns().addAll(List.of(name, kind, units, range));
        s.groupRanges().addListener((MapChangeListener<String, KeepRanges.Range>) c -> table.refresh());
        s.minKeepProperty().addListener(o -> table.refresh());
        Ui.fitRows(table, 2, 8);
        return table;
    }

    /** Min and max keep ratio fields and a "whole" box; editing either field gives the group its own range. */
    private final class RangeCell extends TableCell<PrunableGroup, PrunableGroup> {
        private final TextField min = new TextField();
        private final TextField max = new TextField();
        private final CheckBox whole = new CheckBox("whole");
        private final HBox box = new HBox(4, min, Ui.label("–", "hint"), max, whole);
        private boolean filling;

        RangeCell() {
            min.setPrefColumnCount(3);
            max.setPrefColumnCount(3);
            setContentDisplay(javafx.scene.control.ContentDisplay.GRAPHIC_ONLY);
            min.setOnAction(e -> commit());
            max.setOnAction(e -> commit());
            min.focusedProperty().addListener((o, a, focused) -> { if (!focused) commit(); });
            max.focusedProperty().addListener((o, a, focused) -> { if (!focused) commit(); });
            whole.selectedProperty().addListener((o, a, on) -> {
                if (filling || getItem() == null) return;
                s.setRange(getItem().id(), on ? KeepRanges.Range.WHOLE : null);
            });
        }

        @Override
        protected void updateItem(PrunableGroup g, boolean empty) {
            super.updateItem(g, empty);
            if (empty || g == null) {
                setGraphic(null);
                return;
            }
            int index = getIndex();
            min.setId("keepMin-" + index);
            max.setId("keepMax-" + index);
            whole.setId("keepWhole-" + index);
            fill(g);
            setGraphic(box);
        }

        private void fill(PrunableGroup g) {
            filling = true;
            KeepRanges.Range r = s.rangeFor(g);
            min.setText(format(r.min()));
            max.setText(format(r.max()));
            whole.setSelected(r.whole());
            min.setDisable(r.whole());
            max.setDisable(r.whole());
            min.pseudoClassStateChanged(INVALID, false);
            max.pseudoClassStateChanged(INVALID, false);
            filling = false;
        }

        /** Gives the group the range typed in, or marks the fields when it is not a range. */
        void commit() {
            PrunableGroup g = getItem();
            if (filling || g == null) return;
            try {
                KeepRanges.Range r = KeepRanges.Range.parse(min.getText().trim() + ":" + max.getText().trim());
                if (!r.equals(s.rangeFor(g))) s.setRange(g.id(), r);
                min.pseudoClassStateChanged(INVALID, false);
                max.pseudoClassStateChanged(INVALID, false);
            } catch (IllegalArgumentException e) {
                min.pseudoClassStateChanged(INVALID, true);
                max.pseudoClassStateChanged(INVALID, true);
                setTooltip(new Tooltip(e.getMessage()));
            }
        }
    }

    private ListView<RemovableBlock> blockList() {
        ListView<RemovableBlock> list = new ListView<>(s.blocks());
        list.setId("keepBlockList");
        list.setCellFactory(v -> new ListCell<>() {
            private final CheckBox keep = new CheckBox();

            {
                keep.selectedProperty().addListener((o, a, on) -> {
                    RemovableBlock b = getItem();
                    if (b == null) return;
                    if (on) s.keptBlocks().add(b.id()); else s.keptBlocks().remove(b.id());
                });
            }

            @Override
            protected void updateItem(RemovableBlock b, boolean empty) {
                super.updateItem(b, empty);
                if (empty || b == null) {
                    setGraphic(null);
                    return;
                }
                keep.setId("keepBlock-" + getIndex());
                keep.setText("never drop " + b.name());
                keep.setSelected(s.keptBlocks().contains(b.id()));
                setGraphic(keep);
            }
        });
        s.keptBlocks().addListener((SetChangeListener<String>) c -> list.refresh());
        list.setPrefHeight(96);
        return list;
    }

    private static final javafx.css.PseudoClass INVALID = javafx.css.PseudoClass.getPseudoClass("invalid");

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
