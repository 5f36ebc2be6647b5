package dev.lathe.ui.search;

import dev.lathe.eval.ExecutionProviders;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchCommands;
import dev.lathe.ui.common.Ui;
import dev.lathe.ui.run.ParetoPanel;
import dev.lathe.ui.run.PauseButton;
import dev.lathe.ui.study.CandidateDetailView;
import dev.lathe.ui.study.CandidateTable;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ObjectProperty;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The search tab: the setup form on the left; on the right the run bar (Start, Pause, Stop, progress), the live
 * Pareto and hypervolume charts beside the selected candidate's detail, and the candidates table and log below.
 */
public final class SearchView {
    /** File choosers the view needs; the main view owns the window they open over. */
    public interface Choosers {
        void chooseData();

        void chooseTokenizer();

        void chooseStudyFile();
    }

    private final Workbench workbench;
    private final WorkbenchCommands commands;
    private final BorderPane root = new BorderPane();

    public SearchView(Workbench workbench, WorkbenchCommands commands, Choosers choosers) {
        this.workbench = workbench;
        this.commands = commands;
        root.setLeft(setupPanel(choosers));
        BorderPane center = new BorderPane();
        center.setTop(runBar());

        Node chartPane = new ParetoPanel(workbench.study()).node();

        CandidateDetailView detail = new CandidateDetailView(workbench.study(), commands.export());
        SplitPane top = new SplitPane(chartPane, detail.node());
        top.setDividerPositions(0.6);
        SplitPane.setResizableWithParent(detail.node(), false);

        CandidateTable table = new CandidateTable(workbench.study());
        TextArea log = logArea();
        Tab candidatesTab = new Tab("Candidates", table.node());
        candidatesTab.textProperty().bind(Bindings.size(workbench.study().rows()).asString("Candidates (%d)"));
        Tab logTab = new Tab("Log", log);
        Tab devicesTab = new dev.lathe.ui.pool.PoolDevicesView(new dev.lathe.ui.pool.PoolDevicesViewModel(workbench.search()::poolDevices),
                workbench.search().runningProperty()).tab();
        TabPane bottom = new TabPane(candidatesTab, logTab, devicesTab);
        bottom.setId("bottomTabs");
        bottom.getStyleClass().add("bottom-tabs");
        bottom.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);

        SplitPane split = new SplitPane(top, bottom);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.62);
        center.setCenter(split);
        root.setCenter(center);
    }

    public Node node() { return root; }

    /** Under the data path: what the search will calibrate and evaluate on (see {@link DataPreviewView}). */
    private Node dataPreview() {
        DataPreviewViewModel preview = new DataPreviewViewModel(workbench.background(), workbench.search(), workbench.model());
        preview.refresh();
        return new DataPreviewView(preview).node();
    }

    private Node runBar() {
        SearchViewModel s = workbench.search();
        Button start = new Button("Start search", Ui.icon(Ui.PLAY));
        start.setId("startButton");
        start.getStyleClass().add("primary");
        start.setDefaultButton(false);
        commands.start().bind(start);
        start.setTooltip(new Tooltip("Search the model into the study file; an existing study is resumed"));
        Button stop = new Button("Stop", Ui.icon(Ui.STOP));
        stop.setId("stopButton");
        stop.getStyleClass().add("danger");
        commands.stop().bind(stop);
        stop.setTooltip(new Tooltip("Stop after the candidate being measured; everything measured stays in the study"));

        ProgressBar bar = new ProgressBar(0);
        bar.setId("searchProgress");
        bar.getStyleClass().add("search-progress");
        bar.progressProperty().bind(s.progressProperty());
        bar.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(bar, Priority.ALWAYS);
        Label text = Ui.label("", "progress-text");
        text.setId("progressLabel");
        text.textProperty().bind(s.progressTextProperty());

        Label reference = Ui.label("", "hint");
        reference.setId("referenceLabel");
        reference.textProperty().bind(workbench.study().referenceDriftProperty());
        reference.setTooltip(new Tooltip("The original model, re-measured during the search; each speed-up is taken against the reference measured nearest in time"));

        Button pause = PauseButton.create(s, commands.pause());
        Ui.keepWhole(start, pause, stop);
        bar.setMinWidth(60);
        // The figures give way (ellipsis, full text in the tooltip) before the buttons do.
        text.setMinWidth(120);
        text.setTooltip(new Tooltip());
        text.getTooltip().textProperty().bind(text.textProperty());
        reference.setMinWidth(0);
        HBox box = new HBox(10, start, pause, stop, bar, text, reference);
        box.setAlignment(Pos.CENTER_LEFT);
        box.getStyleClass().add("run-bar");
        return box;
    }

    private TextArea logArea() {
        TextArea log = new TextArea();
        log.setId("logArea");
        log.setEditable(false);
        log.setWrapText(false);
        log.getStyleClass().add("log-area");
        log.setPromptText("Messages from the search appear here.");
        // The view may be built after a search has already logged (it is made when its tab is first shown).
        for (String line : workbench.search().log()) log.appendText(line + "\n");
        workbench.search().log().addListener((ListChangeListener<String>) c -> {
            boolean onlyAdded = true;
            StringBuilder added = new StringBuilder();
            while (c.next()) {
                if (c.wasRemoved() || !c.wasAdded()) onlyAdded = false;
                else for (String line : c.getAddedSubList()) added.append(line).append('\n');
            }
            if (onlyAdded) log.appendText(added.toString());
            else log.setText(String.join("\n", workbench.search().log()) + "\n");
        });
        return log;
    }

    private Node setupPanel(Choosers choosers) {
        SearchViewModel s = workbench.search();
        VBox box = new VBox();
        box.getStyleClass().add("setup-box");

        GridPane search = form();
        int cores = Runtime.getRuntime().availableProcessors();
        row(search, 0, "Budget", spinner("budgetSpinner", 1, 100_000, 1, s.budgetProperty()),
                "Candidates to measure, the original included");
        row(search, 1, "Time limit", spinner("timeLimitSpinner", 0, 100_000, 5, s.timeLimitMinutesProperty()),
                "Minutes this run may search, pauses not counted (0: no limit); it ends at whichever budget comes first");
        row(search, 2, "Seed", spinner("seedSpinner", 0, Integer.MAX_VALUE, 1, s.seedProperty()), "Same seed, same candidates");
        row(search, 3, "Threads", spinner("threadsSpinner", 1, Math.max(cores, 64), 1, s.threadsProperty()),
                "ONNX Runtime threads while timing (this machine has " + cores + " cores)");
        row(search, 4, "Provider", providerChoice(s), "Where ONNX Runtime runs the candidates; unavailable providers say why");
        row(search, 5, "Clock", clockChoice(s), CLOCK_TIP);
        CheckBox quick = new CheckBox("Quick timing (fewer repetitions)");
        quick.setId("quickTiming");
        quick.selectedProperty().bindBidirectional(s.quickTimingProperty());
        quick.setTooltip(new Tooltip("Much faster, noisier latencies: for a first look"));
        search.add(quick, 0, 6, 2, 1);
        javafx.scene.control.ChoiceBox<dev.lathe.config.StrategyKind> strategy = new javafx.scene.control.ChoiceBox<>(
                javafx.collections.FXCollections.observableArrayList(dev.lathe.config.StrategyKind.values()));
        strategy.setId("strategyChoice");
        strategy.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(dev.lathe.config.StrategyKind k) { return k == null ? "" : k.id(); }

            @Override
            public dev.lathe.config.StrategyKind fromString(String text) { return dev.lathe.config.StrategyKind.parse(text); }
        });
        strategy.valueProperty().bindBidirectional(s.strategyProperty());
        strategy.setMaxWidth(Double.MAX_VALUE);
        row(search, 7, "Strategy", strategy, "nsga2; predictor: NSGA-II steered by predictors refitted each generation; random: the baseline");
        javafx.scene.control.TextField distillShare = new javafx.scene.control.TextField();
        distillShare.setId("distillShareField");
        distillShare.setPromptText("off");
        distillShare.textProperty().bindBidirectional(s.distillShareProperty());
        row(search, 8, "Distil share", distillShare, "Distil this share (0-1] of each generation's most promising candidates, 40 steps each; "
                + "the figures are kept apart from the measured ones (as search --distill-share)");

        GridPane shape = form();
        row(shape, 0, "Batch", spinner("batchSpinner", 1, 4096, 1, s.batchProperty()), "Batch size the latency is measured at");
        Spinner<Integer> seq = spinner("seqLenSpinner", 1, 8192, 8, s.sequenceLengthProperty());
        row(shape, 1, "Sequence length", seq, "Tokens per input for text models");
        seq.disableProperty().bind(workbench.model().hasSequenceAxisProperty().not());

        GridPane data = form();
        TextField dataField = new TextField();
        dataField.setId("dataField");
        dataField.setPromptText("none: random inputs");
        dataField.textProperty().bindBidirectional(s.dataPathProperty());
        showFileName(dataField);
        row(data, 0, "Data", withButton(dataField, "chooseDataButton", choosers::chooseData), "CSV of input tensors (optional label column), .npy/.npz arrays, a folder of images (class sub-folders give labels) or text, one sample per line");
        TextField tokField = new TextField();
        tokField.setId("tokenizerField");
        tokField.setPromptText("only for text data");
        tokField.textProperty().bindBidirectional(s.tokenizerPathProperty());
        showFileName(tokField);
        row(data, 1, "Tokenizer", withButton(tokField, "chooseTokenizerButton", choosers::chooseTokenizer), "HuggingFace tokenizer.json for text data");
        Label warning = new Label();
        warning.setId("noDataWarning");
        warning.getStyleClass().add("warning-box");
        warning.setGraphic(Ui.icon(Ui.WARNING, "warning-icon"));
        warning.setWrapText(true);
        warning.setMaxWidth(Double.MAX_VALUE);
        warning.setMinHeight(Label.USE_PREF_SIZE);
        warning.textProperty().bind(s.dataWarningProperty());
        warning.visibleProperty().bind(s.dataWarningProperty().isNotEmpty());
        warning.managedProperty().bind(warning.visibleProperty());
        VBox.setMargin(warning, new Insets(8, 0, 0, 0));

        GridPane pruning = form();
        javafx.scene.control.ComboBox<String> criterion = new javafx.scene.control.ComboBox<>(
                javafx.collections.FXCollections.observableArrayList(dev.lathe.transform.pruning.PruningOptions.CRITERIA));
        criterion.setId("criterionChoice");
        criterion.valueProperty().bindBidirectional(s.criterionProperty());
        criterion.setMaxWidth(Double.MAX_VALUE);
        row(pruning, 0, "Ranking", criterion, "obs: removes first what the refit can best make up for; activation: |W|·‖x‖ on the calibration data; sensitivity: output change per removed head (slower start); magnitude: weights only");
        javafx.scene.control.ComboBox<String> repair = new javafx.scene.control.ComboBox<>(
                javafx.collections.FXCollections.observableArrayList("lstsq", "none"));
        repair.setId("repairChoice");
        repair.valueProperty().bindBidirectional(s.repairProperty());
        repair.setMaxWidth(Double.MAX_VALUE);
        row(pruning, 1, "Repair", repair, "lstsq: refit the layer that reads pruned units on calibration data, no training");

        GridPane objectives = form();
        Label latencyUnit = objective(objectives, 0, "Latency", "minimise", "median ms");
        latencyUnit.textProperty().bind(s.clockProperty().map(c -> c == LatencyClock.CPU ? "median CPU ms per run" : "median ms"));
        Label q = objective(objectives, 1, "Quality", "maximise", "");
        q.textProperty().bind(workbench.study().qualityMetricProperty().map(m -> "quality".equals(m) ? "accuracy / fidelity" : m));
        objective(objectives, 2, "Size", "recorded", "bytes");
        objectives.setId("objectives");

        TextField study = new TextField();
        study.setId("studyField");
        study.textProperty().bindBidirectional(s.studyPathProperty());
        showFileName(study);
        Button browse = new Button("Browse…");
        browse.setId("chooseStudyButton");
        browse.setOnAction(e -> choosers.chooseStudyFile());
        Button fresh = new Button("New file", Ui.icon(Ui.REFRESH));
        fresh.setId("newStudyButton");
        fresh.setTooltip(new Tooltip("A new timestamped study file under ~/Lathe/studies"));
        fresh.setOnAction(e -> s.newStudyPath(workbench.model().name()));
        HBox studyButtons = new HBox(8, browse, fresh);
        Label studyHint = Ui.label("An existing study is resumed; its settings are kept and only the budget grows.", "hint");
        studyHint.setWrapText(true);

        box.getChildren().addAll(
                Ui.sectionHeader("Search"), search,
                Ui.sectionHeader("Input shape"), shape,
                Ui.sectionHeader("Evaluation data"), data, dataPreview(), warning,
                Ui.sectionHeader("Pruning"), pruning,
                Ui.sectionHeader("Precisions"), new PrecisionSetupView(s.precisions()).node(),
                Ui.sectionHeader("Objectives"), objectives,
                Ui.sectionHeader("Constraints"), new ConstraintsSetupView(s.constraints()).node(),
                Ui.sectionHeader("Search space"), new SearchSpaceSetupView(s.space()).node(),
                Ui.sectionHeader("Devices"), new dev.lathe.ui.pool.PoolSetupView(s.pool()).node(),
                Ui.sectionHeader("Study file"), new VBox(8, study, studyButtons, studyHint));
        box.disableProperty().bind(s.runningProperty());

        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        scroll.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        scroll.getStyleClass().add("setup-panel");
        scroll.setPrefWidth(350);
        scroll.setMinWidth(320);
        scroll.setId("searchSetup");
        return scroll;
    }

    static final String CLOCK_TIP = "Wall clock: elapsed time per run, what a caller waits. CPU time: what the measuring process spends per run; "
            + "pick it on a busy or shared machine, where wall-clock figures drift with other work, and for single-thread timing. "
            + "With several threads CPU time is their sum, not latency. A resumed study keeps its clock.";

    /** Wall clock or CPU time per run. */
    private static Node clockChoice(SearchViewModel s) {
        javafx.scene.control.ChoiceBox<LatencyClock> box = new javafx.scene.control.ChoiceBox<>(
                javafx.collections.FXCollections.observableArrayList(LatencyClock.values()));
        box.setId("clockChoice");
        box.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(LatencyClock c) { return c == null ? "" : c == LatencyClock.WALL ? "wall" : "CPU time"; }

            @Override
            public LatencyClock fromString(String text) { return text.startsWith("CPU") ? LatencyClock.CPU : LatencyClock.WALL; }
        });
        box.valueProperty().bindBidirectional(s.clockProperty());
        box.setMaxWidth(Double.MAX_VALUE);
        return box;
    }

    /** The execution providers, unavailable ones greyed out with the reason in their tooltip. */
    private static Node providerChoice(SearchViewModel s) {
        java.util.List<ExecutionProviders.Status> all = ExecutionProviders.all();
        javafx.scene.control.ComboBox<String> box = new javafx.scene.control.ComboBox<>(
                javafx.collections.FXCollections.observableArrayList(all.stream().map(ExecutionProviders.Status::id).toList()));
        box.setId("providerChoice");
        box.setMaxWidth(Double.MAX_VALUE);
        box.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(String id, boolean empty) {
                super.updateItem(id, empty);
                ExecutionProviders.Status st = empty || id == null ? null : all.stream().filter(p -> p.id().equals(id)).findFirst().orElse(null);
                setText(st == null ? null : st.label() + (st.available() ? "" : " (unavailable)"));
                setDisable(st != null && !st.available());
                setTooltip(st == null || st.available() ? null : new Tooltip(st.reason()));
            }
        });
        box.setButtonCell(box.getCellFactory().call(null));
        box.valueProperty().bindBidirectional(s.providerProperty());
        return box;
    }

    /** Long paths: keep the file name in view when the field is not being edited, and the full path in a tooltip. */
    private static void showFileName(TextField field) {
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(field.textProperty());
        field.setTooltip(tip);
        Runnable toEnd = () -> {
            if (!field.isFocused()) javafx.application.Platform.runLater(field::end);
        };
        field.textProperty().addListener(o -> toEnd.run());
        field.focusedProperty().addListener(o -> toEnd.run());
        field.widthProperty().addListener(o -> toEnd.run());
    }

    static GridPane form() {
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(8);
        ColumnConstraints label = new ColumnConstraints();
        label.setMinWidth(112);
        label.setPrefWidth(112);
        ColumnConstraints field = new ColumnConstraints();
        field.setHgrow(Priority.ALWAYS);
        field.setFillWidth(true);
        g.getColumnConstraints().addAll(label, field);
        return g;
    }

    static void row(GridPane g, int row, String label, Node field, String tip) {
        Label l = Ui.label(label, "form-label");
        if (tip != null) {
            l.setTooltip(new Tooltip(tip));
            if (field instanceof javafx.scene.control.Control c && c.getTooltip() == null) c.setTooltip(new Tooltip(tip));
        }
        g.addRow(row, l, field);
    }

    private static Label objective(GridPane g, int row, String name, String direction, String detail) {
        Label n = Ui.label(name, "form-label");
        Label dir = Ui.label(direction, "figure-value");
        Label det = Ui.label(detail, "hint");
        HBox v = new HBox(6, dir, det);
        v.setAlignment(Pos.BASELINE_LEFT);
        g.addRow(row, n, v);
        return det;
    }

    private static Node withButton(TextField field, String buttonId, Runnable action) {
        Button b = new Button(null, Ui.icon(Ui.FOLDER));
        b.setId(buttonId);
        b.setTooltip(new Tooltip("Choose a file…"));
        b.setOnAction(e -> action.run());
        b.setMinWidth(Button.USE_PREF_SIZE);
        HBox h = new HBox(6, field, b);
        HBox.setHgrow(field, Priority.ALWAYS);
        return h;
    }

    /** An editable integer spinner bound both ways to {@code value}; typed text is committed when focus leaves. */
    static Spinner<Integer> spinner(String id, int min, int max, int step, ObjectProperty<Integer> value) {
        Spinner<Integer> sp = new Spinner<>();
        SpinnerValueFactory.IntegerSpinnerValueFactory f = new SpinnerValueFactory.IntegerSpinnerValueFactory(min, max,
                value.get() == null ? min : value.get(), step);
        sp.setValueFactory(f);
        f.valueProperty().bindBidirectional(value);
        sp.setEditable(true);
        sp.setId(id);
        sp.setMaxWidth(Double.MAX_VALUE);
        sp.focusedProperty().addListener((o, was, is) -> {
            if (!is) {
                try {
                    sp.commitValue();
                } catch (RuntimeException e) {
                    sp.cancelEdit();
                }
            }
        });
        return sp;
    }
}
