package dev.lathe.ui.model;

import dev.lathe.analysis.ModelSummary;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.Ui;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.Arrays;
import java.util.Locale;

/**
 * The model view's table of layers: every node that reads weights or multiplies, with its parameters and
 * multiply-accumulates (and their share of the model's), sortable, and filtered by the words typed above it.
 */
final class LayerTable {
    private final ObservableList<ModelSummary.Layer> all = FXCollections.observableArrayList();
    private final FilteredList<ModelSummary.Layer> shown = new FilteredList<>(all);
    private final TableView<ModelSummary.Layer> table = new TableView<>();
    private final TextField filter = new TextField();
    private final Label count = Ui.label("", "hint");
    private final VBox root;
    private final Button measure = new Button("Measure ms");
    private final Label timesLabel = Ui.label("", "hint");
    private long totalMacs;
    private dev.lathe.explain.LayerTimes times;

    LayerTable() {
        table.setId("layersTable");
        filter.setId("layersFilter");
        count.setId("layersCount");
        filter.setPromptText("Find layers by name or operator");
        filter.setTooltip(new Tooltip("Rows containing every word, in the name or the operator"));
        filter.setPrefColumnCount(24);
        filter.textProperty().addListener((o, a, text) -> {
            shown.setPredicate(matching(text));
            updateCount();
        });

        TableColumn<ModelSummary.Layer, String> name = new TableColumn<>("Layer");
        name.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().name()));
        name.setCellFactory(col -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                setTextOverrun(javafx.scene.control.OverrunStyle.LEADING_ELLIPSIS);
                setTooltip(empty ? null : new Tooltip(item));
            }
        });
        name.setPrefWidth(420);
        TableColumn<ModelSummary.Layer, String> op = new TableColumn<>("Operator");
        op.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().opType()));
        op.setPrefWidth(150);
        op.setMaxWidth(200);
        TableColumn<ModelSummary.Layer, Long> params = number("Parameters", ModelSummary.Layer::parameters, Formats::count);
        TableColumn<ModelSummary.Layer, Long> macs = number("MACs", ModelSummary.Layer::macs, Formats::count);
        TableColumn<ModelSummary.Layer, Long> share = number("Share of MACs", ModelSummary.Layer::macs,
                m -> totalMacs > 0 ? String.format(Locale.ROOT, "%.1f %%", 100.0 * m / totalMacs) : "");
        TableColumn<ModelSummary.Layer, Double> ms = measured("ms", l -> times == null ? null : times.of(l.name()), v -> String.format(Locale.ROOT, "%.4f", v));
        ms.setId("layersMs");
        TableColumn<ModelSummary.Layer, Double> msShare = measured("Share of time", l -> times == null ? null : times.share(l.name()),
                v -> String.format(Locale.ROOT, "%.1f %%", 100 * v));
        msShare.setId("layersMsShare");
        table.getColumns().addAll(Arrays.asList(name, op, params, macs, share, ms, msShare));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_ALL_COLUMNS);
        table.setPlaceholder(new Label("No weighted layers"));
        SortedList<ModelSummary.Layer> sorted = new SortedList<>(shown);
        sorted.comparatorProperty().bind(table.comparatorProperty());
        table.setItems(sorted);
        Ui.fitRows(table, 4, 12);

        measure.setId("layersProfile");
        measure.setTooltip(new Tooltip("Time each node with ONNX Runtime's profiler in a measurement worker (one thread, the model view's input shape); kept in the open study"));
        timesLabel.setId("layersTimes");
        count.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        measure.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        timesLabel.setMinWidth(0);
        HBox bar = new HBox(10, filter, count, Ui.spacer(), timesLabel, measure);
        bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        HBox.setHgrow(filter, Priority.SOMETIMES);
        root = new VBox(8, bar, table);
    }

    Node node() { return root; }

    TableView<ModelSummary.Layer> table() { return table; }

    Button measureButton() { return measure; }

    /** Measured ms per layer (null: not measured), and the line saying what they add up to. */
    void showTimes(dev.lathe.explain.LayerTimes t) {
        times = t;
        timesLabel.setText(t == null ? "ms not measured" : String.format(Locale.ROOT, "layers %.3f ms + other nodes %.3f ms = kernels %.3f ms · whole run %.3f ms",
                t.layersMs(), t.otherMs(), t.kernelMs(), t.totalMs()) + (t.runCpuMs() == null ? "" : String.format(Locale.ROOT, " · CPU %.3f ms per profiled run", t.runCpuMs())));
        timesLabel.setTooltip(t == null ? null : new Tooltip(String.format(Locale.ROOT, "%d thread%s, %s%n", t.threads(), t.threads() == 1 ? "" : "s", t.shape())
                + "A kernel ONNX Runtime fused from a layer and nodes without weights (a Conv with its Relu) counts as the layer's; one fused from several"
                + " layers is shared equally. The whole run is timed without the profiler, apart; on a busy machine it grows with preemptions the"
                + " kernels' medians leave out, which the calling thread's CPU time per profiled run leaves out too."));
        table.refresh();
    }

    void show(ModelSummary s) {
        totalMacs = s == null || s.macs() == null ? 0 : s.macs();
        all.setAll(s == null ? java.util.List.of() : s.layers());
        updateCount();
    }

    private void updateCount() {
        count.setText(shown.size() == all.size() ? all.size() + " layers" : shown.size() + " of " + all.size() + " layers");
    }

    static java.util.function.Predicate<ModelSummary.Layer> matching(String text) {
        String[] words = text == null ? new String[0] : text.toLowerCase(Locale.ROOT).trim().split("\\s+");
        return l -> {
            String hay = (l.name() + " " + l.opType()).toLowerCase(Locale.ROOT);
            for (String w : words) if (!w.isEmpty() && !hay.contains(w)) return false;
            return true;
        };
    }

    private static TableColumn<ModelSummary.Layer, Double> measured(String title, java.util.function.Function<ModelSummary.Layer, Double> value,
                                                                  java.util.function.Function<Double, String> format) {
        TableColumn<ModelSummary.Layer, Double> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
        c.setCellFactory(col -> new TableCell<>() {
            @Override
            protected void updateItem(Double item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item == null ? "–" : format.apply(item));
            }
        });
        c.setStyle("-fx-alignment: CENTER-RIGHT;");
        c.setPrefWidth(100);
        c.setMaxWidth(130);
        return c;
    }

    private static TableColumn<ModelSummary.Layer, Long> number(String title, java.util.function.Function<ModelSummary.Layer, Long> value,
                                                              java.util.function.Function<Long, String> format) {
        TableColumn<ModelSummary.Layer, Long> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
        c.setCellFactory(col -> new TableCell<>() {
            @Override
            protected void updateItem(Long item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item == null ? "–" : format.apply(item));
            }
        });
        c.setStyle("-fx-alignment: CENTER-RIGHT;");
        c.setPrefWidth(110);
        c.setMaxWidth(140);
        return c;
    }
}
