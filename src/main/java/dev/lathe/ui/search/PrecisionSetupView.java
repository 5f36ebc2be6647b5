package dev.lathe.ui.search;

import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.transform.genome.Precision;
import dev.lathe.ui.common.Ui;
import javafx.beans.binding.Bindings;
import javafx.collections.MapChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.List;

/**
 * The "Precisions" section of the search form: the precisions the search may give each layer, int8 static
 * calibration, the sensitivity pass, and a table of the model's quantizable layers where one can be pinned
 * to a subset (float32 only, or some precisions).
 */
final class PrecisionSetupView {
    private final PrecisionSetupViewModel p;
    private final VBox root = new VBox(8);

    PrecisionSetupView(PrecisionSetupViewModel precisions) {
        this.p = precisions;
        root.setId("precisionSetup");

        CheckBox defaults = new CheckBox("Defaults: int8 for MatMul/Gemm, int8 static for Conv");
        defaults.setId("precisionDefaults");
        defaults.setWrapText(true);
        defaults.selectedProperty().bindBidirectional(p.useDefaultsProperty());
        defaults.setTooltip(new Tooltip("Untick to choose the precisions yourself; each is offered to every layer whose operator runs it"));

        GridPane offered = SearchView.form();
        SearchView.row(offered, 0, "Integer", flow(check(Precision.INT8, "int8"), check(Precision.INT8_STATIC, "int8 static")),
                "int8: activations quantized at run time (MatMul/Gemm); int8 static: ranges calibrated beforehand (MatMul/Gemm/Conv)");
        SearchView.row(offered, 1, "4-bit weights", flow(check(Precision.INT4_B32, "block 32"), check(Precision.INT4_B64, "64"), check(Precision.INT4_B128, "128")),
                "MatMulNBits: 4-bit weights in blocks of this many inputs, activations float (MatMul/Gemm); smaller blocks are more accurate");
        SearchView.row(offered, 2, "Half", flow(check(Precision.FP16, "fp16")), "float16 weights and arithmetic inside the layer, float32 around it (for GPUs)");
        offered.disableProperty().bind(p.useDefaultsProperty());

        Label note = new Label();
        note.setId("fp16Note");
        note.getStyleClass().add("warning-box");
        note.setGraphic(Ui.icon(Ui.WARNING, "warning-icon"));
        note.setWrapText(true);
        note.setMaxWidth(Double.MAX_VALUE);
        note.setMinHeight(Label.USE_PREF_SIZE);
        note.textProperty().bind(p.gpuNoteProperty());
        note.visibleProperty().bind(p.gpuNoteProperty().isNotEmpty());
        note.managedProperty().bind(note.visibleProperty());

        GridPane calibration = SearchView.form();
        ComboBox<String> method = new ComboBox<>(javafx.collections.FXCollections.observableArrayList("minmax", "percentile", "entropy"));
        method.setId("calibrationChoice");
        method.setMaxWidth(Double.MAX_VALUE);
        method.valueProperty().bindBidirectional(p.calibrationProperty());
        SearchView.row(calibration, 0, "Calibration", method, "Activation ranges of int8 static layers, as ONNX Runtime's calibrators compute them");
        Spinner<Double> percentile = new Spinner<>();
        SpinnerValueFactory.DoubleSpinnerValueFactory pf = new SpinnerValueFactory.DoubleSpinnerValueFactory(50.001, 100, p.percentileProperty().get(), 0.001);
        percentile.setValueFactory(pf);
        pf.valueProperty().bindBidirectional(p.percentileProperty());
        percentile.setEditable(true);
        percentile.setId("percentileSpinner");
        percentile.setMaxWidth(Double.MAX_VALUE);
        percentile.disableProperty().bind(p.calibrationProperty().isNotEqualTo("percentile"));
        SearchView.row(calibration, 1, "Percentile", percentile, "Share of values the percentile method keeps");
        ComboBox<String> activations = new ComboBox<>(javafx.collections.FXCollections.observableArrayList("uint8", "int8 (symmetric)"));
        activations.setId("activationTypeChoice");
        activations.setMaxWidth(Double.MAX_VALUE);
        activations.setValue(p.symmetricActivationsProperty().get() ? "int8 (symmetric)" : "uint8");
        activations.valueProperty().addListener((o, a, v) -> p.symmetricActivationsProperty().set(v != null && v.startsWith("int8")));
        p.symmetricActivationsProperty().addListener((o, a, v) -> activations.setValue(v ? "int8 (symmetric)" : "uint8"));
        SearchView.row(calibration, 2, "Activations", activations, "uint8 (asymmetric, what ONNX Runtime's x86 kernels prefer) or symmetric int8");
        SearchView.row(calibration, 3, "Samples", SearchView.spinner("calibrationSamplesSpinner", 1, 100_000, 8, p.calibrationSamplesProperty()),
                "Calibration samples the activation ranges are taken on");
        CheckBox reduce = new CheckBox("7-bit weights (CPUs without VNNI)");
        reduce.setId("reduceRange");
        reduce.selectedProperty().bindBidirectional(p.reduceRangeProperty());
        reduce.setTooltip(new Tooltip("x86 CPUs without VNNI saturate 16-bit sums of uint8 x int8 products; 7-bit weights never reach them"));
        calibration.add(reduce, 0, 4, 2, 1);
        calibration.disableProperty().bind(p.staticOfferedProperty().not());

        GridPane sensitivity = SearchView.form();
        SearchView.row(sensitivity, 0, "Sensitivity", SearchView.spinner("sensitivitySamplesSpinner", 0, 100_000, 8, p.sensitivitySamplesProperty()),
                "Calibration samples each layer's sensitivity is scored on before the search, to seed it and steer mutation (0: off)");

        Label layersHeader = Ui.label("", "hint");
        layersHeader.setId("pinnedSummary");
        layersHeader.textProperty().bind(Bindings.createStringBinding(() -> p.layers().size() + " quantizable layers · "
                + p.pins().size() + " pinned (click a layer's precisions to pin it)", p.layers(), p.pins()));

        VBox.setMargin(note, new Insets(2, 0, 0, 0));
        root.getChildren().addAll(defaults, offered, note, calibration, sensitivity, layersHeader, layerTable());
    }

    Node node() { return root; }

    private CheckBox check(Precision precision, String text) {
        CheckBox c = new CheckBox(text);
        c.setId("precision-" + precision.id());
        c.selectedProperty().bindBidirectional(p.selectedProperty(precision));
        return c;
    }

    private static FlowPane flow(Node... nodes) {
        FlowPane f = new FlowPane(10, 4, nodes);
        f.setPrefWrapLength(190);
        return f;
    }

    /** One row per quantizable layer: its name, operator and size, and a menu that pins its precisions. */
    private TableView<QuantizableLayer> layerTable() {
        TableView<QuantizableLayer> table = new TableView<>(p.layers());
        table.setId("layerPinTable");
        table.setPlaceholder(Ui.label("Open a model to list its layers", "hint"));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        TableColumn<QuantizableLayer, String> name = new TableColumn<>("Layer");
        name.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(c.getValue().id()));
        name.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String id, boolean empty) {
                super.updateItem(id, empty);
                setText(empty || id == null ? null : id);
                setTooltip(empty || id == null ? null : new Tooltip(id));
                setTextOverrun(javafx.scene.control.OverrunStyle.LEADING_ELLIPSIS);
            }
        });
        name.setPrefWidth(120);
        TableColumn<QuantizableLayer, String> op = new TableColumn<>("Op");
        op.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(c.getValue().opType()));
        op.setPrefWidth(56);
        TableColumn<QuantizableLayer, QuantizableLayer> allowed = new TableColumn<>("Precisions");
        allowed.setCellValueFactory(c -> new javafx.beans.property.SimpleObjectProperty<>(c.getValue()));
        allowed.setCellFactory(c -> new PinCell());
        allowed.setPrefWidth(130);
        table.getColumns().addAll(List.of(name, op, allowed));
        // Pins and the search set change what every row shows.
        p.pins().addListener((MapChangeListener<String, List<Precision>>) c -> table.refresh());
        p.useDefaultsProperty().addListener(o -> table.refresh());
        for (Precision q : PrecisionSetupViewModel.OFFERED) p.selectedProperty(q).addListener(o -> table.refresh());
        Ui.fitRows(table, 2, 8);
        return table;
    }

    /** A menu button naming what the layer may take; its items pin it to float32 or a subset, or unpin it. */
    private final class PinCell extends TableCell<QuantizableLayer, QuantizableLayer> {
        private final MenuButton button = new MenuButton();

        PinCell() {
            button.setMaxWidth(Double.MAX_VALUE);
            button.getStyleClass().add("pin-button");
            button.setOnShowing(e -> fill(getItem()));
            setContentDisplay(javafx.scene.control.ContentDisplay.GRAPHIC_ONLY);
        }

        @Override
        protected void updateItem(QuantizableLayer layer, boolean empty) {
            super.updateItem(layer, empty);
            if (empty || layer == null) {
                setGraphic(null);
                return;
            }
            button.setId("pin-" + getIndex());
            button.setText(p.describe(layer));
            if (p.pins().containsKey(layer.id())) button.getStyleClass().add("pinned");
            else button.getStyleClass().remove("pinned");
            fill(layer);
            setGraphic(button);
        }

        private void fill(QuantizableLayer layer) {
            if (layer == null) return;
            List<MenuItem> items = new ArrayList<>();
            MenuItem unpin = new MenuItem("Search set");
            unpin.setId("unpin");
            unpin.setOnAction(e -> p.pin(layer.id(), null));
            MenuItem fp32 = new MenuItem("float32 only");
            fp32.setId("pinFloat32");
            fp32.setOnAction(e -> p.pin(layer.id(), List.of()));
            items.add(unpin);
            items.add(fp32);
            items.add(new SeparatorMenuItem());
            List<Precision> now = p.allowed(layer);
            for (Precision q : PrecisionSetupViewModel.OFFERED) {
                if (!q.supports(layer.opType())) continue;
                CheckMenuItem item = new CheckMenuItem(q.id());
                item.setId("pin-" + q.id());
                item.setSelected(now.contains(q));
                item.setOnAction(e -> {
                    List<Precision> next = new ArrayList<>(p.allowed(layer));
                    if (item.isSelected()) next.add(q);
                    else next.remove(q);
                    p.pin(layer.id(), PrecisionSetupViewModel.OFFERED.stream().filter(next::contains).toList());
                });
                items.add(item);
            }
            button.getItems().setAll(items);
        }
    }
}
