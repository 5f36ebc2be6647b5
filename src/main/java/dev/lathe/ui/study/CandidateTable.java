package dev.lathe.ui.study;

import dev.lathe.study.CandidateRecord;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.compare.CompareBar;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;
import javafx.css.PseudoClass;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;

import java.util.List;
import java.util.function.Function;

/** The candidates of the study as a sortable table; selecting a row selects the candidate, and back. */
public final class CandidateTable {
    private static final PseudoClass PARETO = PseudoClass.getPseudoClass("pareto");
    private static final PseudoClass ORIGINAL = PseudoClass.getPseudoClass("original");
    private static final PseudoClass FAILED = PseudoClass.getPseudoClass("failed");

    private final TableView<CandidateRow> table = new TableView<>();
    private final CompareBar compare;
    private final CandidateFilter filter = new CandidateFilter();
    private final FilteredList<CandidateRow> filtered;
    private final CandidateFilterBar filterBar;
    private final javafx.scene.layout.BorderPane root = new javafx.scene.layout.BorderPane();
    private boolean syncing;

    public CandidateTable(StudyViewModel study) {
        table.setId("candidateTable");
        table.getSelectionModel().setSelectionMode(javafx.scene.control.SelectionMode.MULTIPLE); // two rows → Compare
        compare = new CompareBar(study, table);
        // Filter first, then sort the rows that pass: the table's comparator keeps working on the filtered rows.
        filtered = new FilteredList<>(study.rows());
        SortedList<CandidateRow> sorted = new SortedList<>(filtered);
        sorted.comparatorProperty().bind(table.comparatorProperty());
        table.setItems(sorted);
        filterBar = new CandidateFilterBar(filter, filtered, study.rows(), study);
        for (javafx.beans.Observable d : filter.dependencies()) d.addListener(o -> refilter(study));
        Label empty = new Label("No candidates yet: start a search, or open a study file.");
        Label noMatch = new Label("No candidate matches the filter.");
        table.placeholderProperty().bind(Bindings.createObjectBinding(() -> study.rows().isEmpty() ? empty : noMatch, study.rows()));
        // The rows selected here are what File ▸ Export writes (one candidate, or several into sub-folders).
        table.getSelectionModel().getSelectedItems().addListener((javafx.collections.ListChangeListener<CandidateRow>) c ->
                study.chosenRows().setAll(List.copyOf(table.getSelectionModel().getSelectedItems())));
        table.setFixedCellSize(26);

        TableColumn<CandidateRow, Long> id = new TableColumn<>("#");
        id.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().id()));
        id.setPrefWidth(52);
        id.setMinWidth(44);
        id.setStyle("-fx-alignment: CENTER-RIGHT;");
        TableColumn<CandidateRow, String> front = text("Front", r -> r.isPareto() ? "★" : r.violations().isEmpty() ? "" : "✗ " + r.violations());
        front.setPrefWidth(64);
        front.setMinWidth(64);
        front.setStyle("-fx-alignment: CENTER;");
        TableColumn<CandidateRow, String> status = text("Status", r -> r.record().status().id());
        status.setPrefWidth(80);
        TableColumn<CandidateRow, Double> latency = number("Latency", r -> r.record().latencyMs(), Formats::ms);
        TableColumn<CandidateRow, Double> p90 = number("p90", r -> r.record().latencyP90Ms(), Formats::ms);
        latency.textProperty().bind(study.clockProperty().map(c -> c == dev.lathe.eval.timing.LatencyClock.CPU ? "CPU time" : "Latency"));
        p90.textProperty().bind(study.clockProperty().map(c -> c == dev.lathe.eval.timing.LatencyClock.CPU ? "CPU p90" : "p90"));
        TableColumn<CandidateRow, Double> quality = number("Quality", r -> r.record().quality(), Formats::quality);
        quality.textProperty().bind(Bindings.createStringBinding(() -> capitalise(study.qualityMetricProperty().get()), study.qualityMetricProperty()));
        TableColumn<CandidateRow, Double> speed = number("Speed-up", CandidateRow::speedup, Formats::speedup);
        // The front's speed-ups timed A B B A against the original after the search; "–" for the rest.
        TableColumn<CandidateRow, Double> confirmed = number("Confirmed", r -> {
            var c = r.isOriginal() ? null : study.confirmations().get(r.id());
            return c == null ? null : c.speedup();
        }, Formats::speedup);
        confirmed.setId("confirmedColumn");
        study.confirmations().addListener((javafx.collections.MapChangeListener<Long, dev.lathe.study.ConfirmedSpeedup>) ch -> table.refresh());
        TableColumn<CandidateRow, Double> size = number("Size", r -> r.record().sizeBytes() == null ? null : r.record().sizeBytes().doubleValue(),
                v -> Formats.bytes(v.longValue()));
        TableColumn<CandidateRow, String> changes = text("Changes", CandidateRow::changes);
        changes.setPrefWidth(240);
        TableColumn<CandidateRow, String> origin = text("Origin", r -> r.record().origin() + " · gen " + r.record().generation());
        origin.setPrefWidth(110);
        table.getColumns().addAll(java.util.List.of(id, front, status, latency, p90, quality, speed, confirmed, size, changes, origin));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);

        table.setRowFactory(tv -> new TableRow<>() {
            @Override
            protected void updateItem(CandidateRow item, boolean empty) {
                super.updateItem(item, empty);
                CandidateRecord r = empty || item == null ? null : item.record();
                pseudoClassStateChanged(PARETO, r != null && item.isPareto());
                pseudoClassStateChanged(ORIGINAL, r != null && item.isOriginal());
                pseudoClassStateChanged(FAILED, r != null && r.status() == dev.lathe.study.CandidateStatus.FAILED);
            }
        });

        table.getSelectionModel().selectedItemProperty().addListener((o, a, row) -> {
            if (syncing) return;
            syncing = true;
            try {
                study.selectedProperty().set(row);
            } finally {
                syncing = false;
            }
        });
        study.selectedProperty().addListener((o, a, row) -> {
            if (syncing) return;
            syncing = true;
            try {
                if (row == null) table.getSelectionModel().clearSelection();
                else {
                    int at = table.getItems().indexOf(row);
                    if (at >= 0) table.getSelectionModel().clearAndSelect(at); // chosen elsewhere (the chart): only that row
                    int index = table.getItems().indexOf(row);
                    // Scroll only as far as needed (TableView.scrollTo would put the row at the top).
                    if (index >= 0 && table.lookup(".virtual-flow") instanceof javafx.scene.control.skin.VirtualFlow<?> flow) flow.scrollTo(index);
                }
            } finally {
                syncing = false;
            }
        });
        // Figures change in place while the search runs: refresh the cells and keep the chosen order.
        study.revisionProperty().addListener(o -> {
            if (!filter.isEmpty()) refilterIfChanged(study);
            table.refresh();
            if (!table.getSortOrder().isEmpty()) table.sort();
            CandidateRow sel = study.selectedProperty().get();
            if (sel != null && table.getSelectionModel().getSelectedItem() != sel) {
                syncing = true;
                try {
                    table.getSelectionModel().select(sel);
                } finally {
                    syncing = false;
                }
            }
        });
    }

    /** The table under one bar: Compare on the left, the filter on the right. */
    public javafx.scene.Node node() {
        if (root.getCenter() == null) {
            compare.append(filterBar.node());
            root.setCenter(compare.node());
        }
        return root;
    }

    CandidateFilter filter() { return filter; }

    /** Applies the filter as it now stands, keeping the selected rows that still pass selected. */
    private void refilter(StudyViewModel study) {
        List<CandidateRow> chosen = List.copyOf(table.getSelectionModel().getSelectedItems());
        CandidateRow focus = study.selectedProperty().get();
        syncing = true;
        try {
            filtered.setPredicate(filter.isEmpty() ? null : filter.predicate());
            table.getSelectionModel().clearSelection();
            for (CandidateRow r : chosen) if (r != focus) select(r);
            if (focus != null) select(focus); // last, so it stays the selected item
        } finally {
            syncing = false;
        }
        // A selected candidate the filter hides stays on display in the detail and chart; nothing else changes.
    }

    private void select(CandidateRow r) {
        int at = table.getItems().indexOf(r);
        if (at >= 0) table.getSelectionModel().select(at);
    }

    /** While a search runs, figures change in place: re-filter only when that changes which rows pass. */
    private void refilterIfChanged(StudyViewModel study) {
        var p = filter.predicate();
        long passing = study.rows().stream().filter(p).count();
        boolean same = passing == filtered.size() && filtered.stream().allMatch(p);
        if (!same) refilter(study);
    }

    TableView<CandidateRow> table() { return table; }

    private static String capitalise(String s) {
        return s == null || s.isEmpty() ? "Quality" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static TableColumn<CandidateRow, String> text(String title, Function<CandidateRow, String> value) {
        TableColumn<CandidateRow, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
        return c;
    }

    private static TableColumn<CandidateRow, Double> number(String title, Function<CandidateRow, Double> value, Function<Double, String> format) {
        TableColumn<CandidateRow, Double> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
        c.setCellFactory(col -> new TableCell<>() {
            @Override
            protected void updateItem(Double v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty ? null : v == null ? "–" : format.apply(v));
            }
        });
        c.setStyle("-fx-alignment: CENTER-RIGHT;");
        c.setPrefWidth(96);
        return c;
    }
}
