package dev.lathe.ui.model;

import dev.lathe.SampleModels;
import dev.lathe.analysis.ModelSummary;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.UnprunableStructure;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.LatheIcon;
import dev.lathe.ui.common.Ui;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.controlsfx.control.MaskerPane;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The model tab: what the open model is (file, size, opset, producer, parameters, MACs at the chosen shape),
 * its signature, operator histogram, the groups Lathe can prune and the weighted layers it cannot, with why.
 */
public final class ModelView {
    /** A row of the signature table. */
    record PortRow(String direction, String name, String type, String shape) {}

    private final Workbench workbench;
    private final StackPane root = new StackPane();
    private final VBox content = new VBox(16);
    private final Label title = Ui.label("", "model-title");
    private final Label path = Ui.label("", "path-label");
    private final Label size = Ui.label("", "stat-value");
    private final Label params = Ui.label("", "stat-value");
    private final Label macs = Ui.label("", "stat-value");
    private final Label macsShape = Ui.label("", "stat-sub");
    private final Label opset = Ui.label("", "stat-value");
    private final Label producer = Ui.label("", "stat-value");
    private final Label groupCount = Ui.label("", "stat-value");
    private final Label groupUnits = Ui.label("", "stat-sub");
    private final Label quantizable = Ui.label("", "stat-value");
    private final Label sizeSub = Ui.label("", "stat-sub");
    private final Label producerVersion = Ui.label("", "stat-sub");
    private final Label paramsSub = Ui.label("", "stat-sub");
    private final TableView<PortRow> ports = new TableView<>();
    private final TableView<PrunableGroup> groups = new TableView<>();
    private final TableView<UnprunableStructure> unprunable = new TableView<>();
    private final LayerTable layers = new LayerTable();
    private final GridPane operators = new GridPane();
    private final Label operatorTotal = Ui.label("", "muted", "small");

    public ModelView(Workbench workbench, Runnable openModel, Consumer<SampleModels.Sample> openSample) {
        this.workbench = workbench;
        title.setId("modelName");
        path.setId("modelPath");
        size.setId("modelSize");
        params.setId("modelParameters");
        macs.setId("modelMacs");
        macsShape.setId("modelMacsShape");
        opset.setId("modelOpset");
        producer.setId("modelProducer");
        groupCount.setId("modelGroupCount");
        quantizable.setId("modelQuantizable");
        ports.setId("portsTable");
        groups.setId("groupsTable");
        unprunable.setId("unprunableTable");
        operators.setId("operatorHistogram");

        VBox header = new VBox(2, title, path);
        HBox stats = new HBox(12,
                stat("FILE SIZE", size, sizeSub),
                stat("PARAMETERS", params, paramsSub),
                stat("MACS", macs, macsShape),
                stat("OPSET", opset, Ui.label("ONNX default domain", "stat-sub")),
                stat("PRODUCER", producer, producerVersion),
                stat("PRUNABLE GROUPS", groupCount, groupUnits),
                stat("PRECISION LAYERS", quantizable, Ui.label("MatMul / Gemm / Conv", "stat-sub")));
        for (Node card : stats.getChildren()) {
            HBox.setHgrow(card, Priority.ALWAYS);
            ((Region) card).setMaxWidth(Double.MAX_VALUE);
        }
        buildTables();

        operators.setHgap(10);
        operators.setVgap(5);
        ColumnConstraints c0 = new ColumnConstraints();
        c0.setMinWidth(120);
        ColumnConstraints c1 = new ColumnConstraints();
        c1.setHgrow(Priority.ALWAYS);
        c1.setFillWidth(true);
        ColumnConstraints c2 = new ColumnConstraints();
        c2.setMinWidth(36);
        c2.setHalignment(HPos.RIGHT);
        operators.getColumnConstraints().addAll(c0, c1, c2);

        GridPane grid = new GridPane();
        grid.setHgap(16);
        grid.setVgap(16);
        ColumnConstraints half = new ColumnConstraints();
        half.setPercentWidth(50);
        half.setFillWidth(true);
        grid.getColumnConstraints().addAll(half, half);
        VBox opsCard = Ui.card("Operators", new VBox(8, operators, operatorTotal));
        grid.add(Ui.card("Inputs and outputs", ports), 0, 0);
        grid.add(Ui.card("Prunable groups", groups), 1, 0);
        grid.add(opsCard, 0, 1);
        grid.add(Ui.card("Not prunable", unprunable), 1, 1);
        grid.add(Ui.card("Layers", layers.node()), 0, 2, 2, 1);
        for (Node n : grid.getChildren()) GridPane.setValignment(n, javafx.geometry.VPos.TOP);

        content.getChildren().addAll(header, stats, grid, sensitivityCard());
        content.setPadding(new Insets(18, 22, 22, 22));
        content.getStyleClass().add("app-body");
        ScrollPane scroll = new ScrollPane(content);
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("app-body");
        scroll.setId("modelView");

        Node placeholder = placeholder(openModel, openSample);
        MaskerPane masker = new MaskerPane();
        masker.setText("Reading and inspecting the model…");
        masker.visibleProperty().bind(workbench.model().loadingProperty());

        scroll.visibleProperty().bind(workbench.model().summaryProperty().isNotNull());
        placeholder.visibleProperty().bind(workbench.model().summaryProperty().isNull().and(workbench.model().loadingProperty().not()));
        root.getChildren().addAll(scroll, placeholder, masker);

        workbench.model().summaryProperty().addListener((o, a, s) -> show(s));
        LayerTimesViewModel times = workbench.layerTimes();
        layers.measureButton().disableProperty().bind(times.measuringProperty().or(workbench.model().summaryProperty().isNull()));
        layers.measureButton().textProperty().bind(javafx.beans.binding.Bindings.when(times.measuringProperty()).then("Measuring…").otherwise("Measure ms"));
        layers.measureButton().setOnAction(e -> times.measure());
        times.timesProperty().addListener((o, a, t) -> layers.showTimes(t));
        layers.showTimes(times.timesProperty().get());
        workbench.model().inspectingProperty().addListener((o, a, busy) -> {
            if (busy) macsShape.setText("recounting…");
        });
        show(workbench.model().summary());
    }

    public Node node() { return root; }

    /** Samples each layer is scored on in the model view: a quick ranking, not a study's full evaluation. */
    private static final int SENSITIVITY_SAMPLES = 100;

    /**
     * Per-layer sensitivity: a precision choice and a button over {@link SensitivityViewModel}, the figures as a
     * table (graph order) and as a bar chart of the quality drops.
     */
    private Node sensitivityCard() {
        SensitivityViewModel vm = workbench.sensitivity();
        javafx.scene.control.ChoiceBox<String> precision = new javafx.scene.control.ChoiceBox<>(
                javafx.collections.FXCollections.observableArrayList(SensitivityViewModel.choices()));
        precision.setId("sensitivityPrecision");
        precision.valueProperty().bindBidirectional(vm.precisionProperty());
        Button measure = new Button("Measure");
        measure.setId("sensitivityMeasure");
        measure.disableProperty().bind(vm.runningProperty().or(workbench.model().summaryProperty().isNull()));
        measure.setOnAction(e -> workbench.measureSensitivity(SENSITIVITY_SAMPLES));
        Label progress = Ui.label("", "muted", "small");
        progress.setId("sensitivityProgress");
        progress.textProperty().bind(vm.progressProperty());
        HBox controls = new HBox(8, Ui.label("Precision", "muted"), precision, measure, progress);
        controls.setAlignment(Pos.CENTER_LEFT);
        Label about = Ui.label("Each layer alone at the chosen precision, scored on up to " + SENSITIVITY_SAMPLES
                + " evaluation samples of the search's data. Drop = the original's quality minus the variant's; the search seeds and steers with it.", "muted", "small");
        about.setWrapText(true);

        TableView<dev.lathe.search.SensitivityAnalysis.LayerResult> table = new TableView<>();
        table.setId("sensitivityTable");
        table.getColumns().add(column("Layer", dev.lathe.search.SensitivityAnalysis.LayerResult::layer));
        TableColumn<dev.lathe.search.SensitivityAnalysis.LayerResult, String> op = column("Op", dev.lathe.search.SensitivityAnalysis.LayerResult::opType);
        op.setMaxWidth(70);
        table.getColumns().add(op);
        table.getColumns().add(column("Precision", dev.lathe.search.SensitivityAnalysis.LayerResult::precision));
        table.getColumns().add(column("Quality", r -> r.measured() ? String.format("%.4f", r.quality()) : "–"));
        table.getColumns().add(column("Drop", r -> r.measured() ? String.format("%.4f", r.drop()) : r.error()));
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.setPlaceholder(new Label("Not measured yet"));
        Ui.fitRows(table, 3, 14);

        javafx.scene.chart.CategoryAxis layerAxis = new javafx.scene.chart.CategoryAxis();
        layerAxis.setLabel("layer (graph order)");
        javafx.scene.chart.NumberAxis dropAxis = new javafx.scene.chart.NumberAxis();
        dropAxis.setLabel("quality drop");
        javafx.scene.chart.BarChart<String, Number> chart = new javafx.scene.chart.BarChart<>(layerAxis, dropAxis);
        chart.setId("sensitivityChart");
        chart.setLegendVisible(false);
        chart.setAnimated(false);
        chart.setMinHeight(260);

        vm.reportProperty().addListener((o, a, r) -> {
            table.getItems().setAll(r == null ? List.of() : r.layers());
            chart.getData().clear();
            if (r == null) return;
            javafx.scene.chart.XYChart.Series<String, Number> series = new javafx.scene.chart.XYChart.Series<>();
            int i = 0;
            for (var l : r.layers()) {
                i++;
                if (!l.measured()) continue;
                var point = new javafx.scene.chart.XYChart.Data<String, Number>(Integer.toString(i), l.drop());
                String tip = l.layer() + " (" + l.opType() + ") at " + l.precision() + String.format(": %s %.4f, drop %.4f", r.metric(), l.quality(), l.drop());
                point.nodeProperty().addListener((ob, was, bar) -> { if (bar != null) Tooltip.install(bar, new Tooltip(tip)); });
                series.getData().add(point);
            }
            chart.getData().add(series);
        });
        GridPane both = new GridPane();
        both.setHgap(16);
        ColumnConstraints half = new ColumnConstraints();
        half.setPercentWidth(50);
        half.setFillWidth(true);
        both.getColumnConstraints().addAll(half, half);
        both.add(table, 0, 0);
        both.add(chart, 1, 0);
        return Ui.card("Precision sensitivity", new VBox(8, controls, about, both));
    }

    private static VBox stat(String label, Label value, Label sub) {
        VBox box = new VBox(2, Ui.label(label, "stat-label"), value, sub);
        box.getStyleClass().addAll("card", "stat");
        return box;
    }

    private Node placeholder(Runnable openModel, Consumer<SampleModels.Sample> openSample) {
        javafx.scene.image.ImageView icon = new javafx.scene.image.ImageView(LatheIcon.render(96));
        Label t = Ui.label("No model open", "placeholder-title");
        Label d = Ui.label("Drop an .onnx file anywhere on this window, or use File ▸ Open model… (Ctrl+O).", "placeholder-text");
        Button open = new Button("Open model…");
        open.getStyleClass().add("primary");
        open.setOnAction(e -> openModel.run());
        HBox buttons = new HBox(8, open);
        buttons.setAlignment(Pos.CENTER);
        for (SampleModels.Sample s : SampleModels.available()) {
            Button b = new Button("Sample: " + s.name());
            b.setOnAction(e -> openSample.accept(s));
            buttons.getChildren().add(b);
        }
        VBox box = new VBox(12, icon, t, d, buttons);
        box.setAlignment(Pos.CENTER);
        box.getStyleClass().add("app-body");
        return box;
    }

    private void buildTables() {
        TableColumn<PortRow, String> dir = column("Port", PortRow::direction);
        dir.setMaxWidth(70);
        dir.setMinWidth(60);
        ports.getColumns().add(dir);
        ports.getColumns().add(column("Name", PortRow::name));
        ports.getColumns().add(column("Type", PortRow::type));
        ports.getColumns().add(column("Shape", PortRow::shape));
        ports.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        ports.setPlaceholder(new Label("No inputs"));
        Ui.fitRows(ports, 2, 10);

        TableColumn<PrunableGroup, String> kind = column("Kind", g -> switch (g.kind()) {
            case FFN_UNITS -> "feed-forward units";
            case MLP_UNITS -> "hidden units";
            case ATTENTION_HEADS -> "attention heads";
            case CONV_CHANNELS -> "conv channels";
            case HIDDEN_WIDTH -> "hidden width";
            case BLOCK -> "whole block";
        });
        kind.setPrefWidth(130);
        kind.setMaxWidth(150);
        groups.getColumns().add(kind);
        TableColumn<PrunableGroup, String> name = column("Name", PrunableGroup::name);
        name.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                PrunableGroup g = empty ? null : getTableRow().getItem();
                setText(empty ? null : item);
                setTextOverrun(javafx.scene.control.OverrunStyle.LEADING_ELLIPSIS);
                setTooltip(g == null ? null : new Tooltip(g.name() + "\nid " + g.id() + "\n" + g.size() + " units of " + g.blockWidth() + " columns"));
            }
        });
        groups.getColumns().add(name);
        TableColumn<PrunableGroup, Number> units = new TableColumn<>("Units");
        units.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().size()));
        units.setStyle("-fx-alignment: CENTER-RIGHT;");
        units.setMaxWidth(80);
        units.setMinWidth(60);
        groups.getColumns().add(units);
        groups.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        groups.setPlaceholder(new Label("No prunable structure found: only int8 quantization applies"));
        Ui.fitRows(groups, 3, 14);

        TableColumn<UnprunableStructure, String> node = column("Layer", UnprunableStructure::node);
        node.setPrefWidth(170);
        unprunable.getColumns().add(node);
        unprunable.getColumns().add(column("Why it stays whole", UnprunableStructure::reason));
        unprunable.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        unprunable.setPlaceholder(new Label("Every weighted layer belongs to a prunable group"));
        Ui.fitRows(unprunable, 3, 14);
    }

    /** A text column whose cells show their full text in a tooltip (names and shapes can be long). */
    private static <S> TableColumn<S, String> column(String title, java.util.function.Function<S, String> value) {
        TableColumn<S, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(value.apply(cd.getValue())));
        c.setCellFactory(col -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                setTooltip(empty || item == null || item.isEmpty() ? null : new Tooltip(item));
            }
        });
        return c;
    }

    private void show(ModelSummary s) {
        layers.show(s);
        if (s == null) return;
        title.setText(workbench.model().name());
        var p = workbench.model().path();
        path.setText(p == null ? s.file() : p.toAbsolutePath().toString());
        path.setTooltip(new Tooltip("SHA-256 " + s.sha256()));
        size.setText(Formats.bytes(s.sizeBytes()));
        sizeSub.setText(Formats.count(s.sizeBytes()) + " bytes");
        params.setText(Formats.count(s.parameters()));
        paramsSub.setText("weights and biases");
        params.setTooltip(new Tooltip(Formats.compact(s.parameters()) + " parameters in " + Formats.bytes(s.sizeBytes())));
        if (s.macs() == null) {
            macs.setText("unknown");
            macsShape.setText("ONNX Runtime could not run it");
        } else {
            macs.setText(Formats.compact(s.macs()));
            macs.setTooltip(new Tooltip(Formats.count(s.macs()) + " multiply-accumulates per run"));
            var shapes = workbench.model().shapes();
            macsShape.setText(shapes == null ? "per run" : workbench.model().hasSequenceAxisProperty().get()
                    ? "at batch " + shapes.batch() + " · sequence " + shapes.sequenceLength() : "at batch " + shapes.batch());
            macsShape.setTooltip(new Tooltip("Inputs " + s.macsShape() + "\nBatch and sequence length come from the search setup"));
        }
        opset.setText(Integer.toString(s.opset()));
        String prod = s.producer().isBlank() ? "unknown" : s.producer();
        int space = prod.indexOf(' ');
        producer.setText(space > 0 ? prod.substring(0, space) : prod);
        producerVersion.setText(space > 0 ? "version " + prod.substring(space + 1) : "exporter that wrote it");
        producer.setTooltip(new Tooltip(prod));
        groupCount.setText(Integer.toString(s.groups().size()));
        int totalUnits = s.groups().stream().mapToInt(PrunableGroup::size).sum();
        groupUnits.setText(Formats.count(totalUnits) + " units in all");
        quantizable.setText(Integer.toString(s.quantizable().size()));

        List<PortRow> rows = new ArrayList<>();
        for (ModelSummary.Port in : s.inputs()) rows.add(new PortRow("input", in.name(), in.type(), shape(in)));
        for (ModelSummary.Port out : s.outputs()) rows.add(new PortRow("output", out.name(), out.type(), shape(out)));
        ports.getItems().setAll(rows);
        List<PrunableGroup> all = new ArrayList<>(s.groups());
        // Whole blocks are kept or dropped as one: shown as groups of a single unit.
        for (var b : s.blocks()) all.add(new PrunableGroup(b.id(), dev.lathe.analysis.GroupKind.BLOCK, b.name(), 1, 1, List.of(), List.of(), null));
        groups.getItems().setAll(all);
        unprunable.getItems().setAll(s.unprunable());
        showOperators(s.operators());
    }

    private static String shape(ModelSummary.Port p) {
        return "[" + String.join(", ", p.dims()) + "]";
    }

    private void showOperators(Map<String, Integer> ops) {
        operators.getChildren().clear();
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(ops.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
        int max = sorted.stream().mapToInt(Map.Entry::getValue).max().orElse(1);
        int row = 0;
        for (Map.Entry<String, Integer> e : sorted) {
            Label name = Ui.label(e.getKey(), "op-name");
            ProgressBar bar = new ProgressBar(e.getValue() / (double) max);
            bar.getStyleClass().add("op-bar");
            bar.setMaxWidth(Double.MAX_VALUE);
            Label count = Ui.label(Integer.toString(e.getValue()), "op-count");
            operators.addRow(row++, name, bar, count);
        }
        int nodes = ops.values().stream().mapToInt(Integer::intValue).sum();
        operatorTotal.setText(nodes + " nodes, " + ops.size() + " operator types");
    }
}
