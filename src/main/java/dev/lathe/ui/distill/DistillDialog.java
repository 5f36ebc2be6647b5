package dev.lathe.ui.distill;

import dev.lathe.ui.common.Stylesheets;
import dev.lathe.ui.common.Ui;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.io.File;

/**
 * The "Distill and export…" window over a {@link DistillViewModel}: the form, then the run's progress bar, status
 * line (step, loss, time, memory) and live loss curve, Cancel, and the report's figures at the end. It stays open
 * beside the main window so the chart's distilled point can be seen appearing.
 */
public final class DistillDialog {
    private final Stage stage = new Stage();
    private final DistillViewModel vm;

    public DistillDialog(Window owner, DistillViewModel vm) {
        this.vm = vm;
        stage.initOwner(owner);
        stage.setTitle("Distill and export");

        TextField data = field("distillData", vm.dataProperty());
        TextField tokenizer = field("distillTokenizer", vm.tokenizerProperty());
        TextField out = field("distillOut", vm.outProperty());
        TextField steps = field("distillSteps", vm.stepsProperty());
        TextField minutes = field("distillMinutes", vm.minutesProperty());
        TextField seed = field("distillSeed", vm.seedProperty());
        TextField lr = field("distillLearningRate", vm.learningRateProperty());
        steps.setPrefColumnCount(6);
        minutes.setPrefColumnCount(6);
        seed.setPrefColumnCount(6);
        lr.setPrefColumnCount(6);
        ToggleGroup budget = new ToggleGroup();
        RadioButton bySteps = new RadioButton("steps"), byMinutes = new RadioButton("minutes");
        bySteps.setId("distillBySteps");
        byMinutes.setId("distillByMinutes");
        bySteps.setToggleGroup(budget);
        byMinutes.setToggleGroup(budget);
        byMinutes.setSelected(vm.byMinutesProperty().get());
        bySteps.setSelected(!vm.byMinutesProperty().get());
        byMinutes.selectedProperty().bindBidirectional(vm.byMinutesProperty());
        steps.disableProperty().bind(vm.byMinutesProperty());
        minutes.disableProperty().bind(vm.byMinutesProperty().not());
        Button browseData = new Button("Browse…");
        browseData.setOnAction(e -> {
            FileChooser fc = new FileChooser();
            fc.setTitle("Data to distil on");
            File f = fc.showOpenDialog(stage);
            if (f != null) vm.dataProperty().set(f.getAbsolutePath());
        });
        Button browseOut = new Button("Choose…");
        browseOut.setOnAction(e -> {
            DirectoryChooser dc = new DirectoryChooser();
            dc.setTitle("Folder to create for the distilled model (a new or empty one)");
            File f = dc.showDialog(stage);
            if (f != null) vm.outProperty().set(f.getAbsolutePath());
        });

        GridPane form = new GridPane();
        form.getStyleClass().add("distill-form");
        form.setHgap(8);
        form.setVgap(6);
        Label candidate = new Label();
        candidate.setId("distillCandidate");
        candidate.textProperty().bind(vm.candidateProperty().map(id -> "Candidate #" + id + ": its pruned weights are trained against the original, "
                + "then its precisions applied, and it is exported").orElse("No measured candidate selected"));
        candidate.setWrapText(true);
        candidate.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        form.add(candidate, 0, 0, 3, 1);
        form.addRow(1, Ui.label("Data", "form-label"), data, browseData);
        form.addRow(2, Ui.label("Tokenizer", "form-label"), tokenizer);
        form.addRow(3, Ui.label("Budget", "form-label"), new HBox(8, bySteps, steps, byMinutes, minutes));
        form.addRow(4, Ui.label("Seed", "form-label"), new HBox(8, seed, Ui.label("peak learning rate", "form-label"), lr));
        form.addRow(5, Ui.label("Out folder", "form-label"), out, browseOut);
        GridPane.setHgrow(data, Priority.ALWAYS);
        GridPane.setHgrow(out, Priority.ALWAYS);
        form.disableProperty().bind(vm.runningProperty());

        ProgressBar bar = new ProgressBar(0);
        bar.setId("distillProgress");
        bar.setMaxWidth(Double.MAX_VALUE);
        bar.progressProperty().bind(vm.progressProperty());
        bar.visibleProperty().bind(vm.runningProperty().or(vm.resultProperty().isNotEmpty()));
        Label status = new Label();
        status.setId("distillStatus");
        status.textProperty().bind(vm.statusProperty());
        Label problem = new Label();
        problem.setId("distillProblem");
        problem.setWrapText(true);
        problem.getStyleClass().add("error-text");
        problem.textProperty().bind(vm.problemProperty());
        Label result = new Label();
        result.setId("distillResult");
        result.setWrapText(true);
        result.getStyleClass().add("distill-result");
        result.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        problem.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        result.textProperty().bind(vm.resultProperty());

        NumberAxis steppedAxis = new NumberAxis(), lossAxis = new NumberAxis();
        steppedAxis.setLabel("step");
        lossAxis.setLabel("training loss");
        lossAxis.setForceZeroInRange(false);
        LineChart<Number, Number> curve = new LineChart<>(steppedAxis, lossAxis);
        curve.setId("distillLossChart");
        curve.setAnimated(false);
        curve.setCreateSymbols(false);
        curve.setLegendVisible(false);
        curve.setPrefHeight(180);
        XYChart.Series<Number, Number> series = new XYChart.Series<>();
        curve.getData().add(series);
        vm.loss().addListener((ListChangeListener<DistillViewModel.LossPoint>) c -> {
            while (c.next()) {
                if (c.wasRemoved() && vm.loss().isEmpty()) series.getData().clear();
                if (c.wasAdded()) for (DistillViewModel.LossPoint p : c.getAddedSubList()) series.getData().add(new XYChart.Data<>(p.step(), p.loss()));
            }
        });

        Button start = new Button("Distill and export");
        start.setId("distillStart");
        start.setDefaultButton(true);
        start.disableProperty().bind(vm.canStartProperty().not());
        start.setOnAction(e -> vm.start());
        Button cancel = new Button();
        cancel.setId("distillCancel");
        cancel.textProperty().bind(vm.runningProperty().map(r -> r ? "Cancel" : "Close"));
        cancel.setOnAction(e -> {
            if (vm.runningProperty().get()) vm.cancel();
            else stage.close();
        });
        HBox buttons = new HBox(8, start, cancel);
        buttons.setAlignment(Pos.CENTER_RIGHT);

        VBox root = new VBox(10, form, bar, status, curve, problem, result, buttons);
        root.setPadding(new Insets(14));
        root.setPrefWidth(620);
        Scene scene = new Scene(root);
        scene.getStylesheets().addAll(Stylesheets.all());
        stage.setScene(scene);
        stage.setOnCloseRequest(e -> {
            if (vm.runningProperty().get()) {
                vm.cancel(); // closing the window stops the run; nothing is written
            }
        });
    }

    private static TextField field(String id, javafx.beans.property.StringProperty value) {
        TextField f = new TextField();
        f.setId(id);
        f.textProperty().bindBidirectional(value);
        return f;
    }

    public void show() {
        vm.prepare();
        stage.show();
        stage.toFront();
    }

    public Stage stage() { return stage; }
}
