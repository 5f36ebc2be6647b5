package dev.lathe.ui.run;

import dev.lathe.ui.common.Ui;
import dev.lathe.ui.study.ChartAxis;
import dev.lathe.ui.study.ParetoChart;
import dev.lathe.ui.study.StudyViewModel;

import javafx.collections.FXCollections;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tooltip;
import javafx.geometry.Orientation;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.StackPane;

/**
 * The run view's charts: the Pareto scatter with a choice of the figure on each axis above it, and the
 * hypervolume against evaluations below it.
 */
public final class ParetoPanel {
    private final BorderPane root = new BorderPane();
    private final ParetoChart chart;
    private final HypervolumeChart hypervolume;

    public ParetoPanel(StudyViewModel study) {
        chart = new ParetoChart(study);
        hypervolume = new HypervolumeChart(study);

        ChoiceBox<ChartAxis> x = new ChoiceBox<>(FXCollections.observableArrayList(ChartAxis.X_CHOICES));
        x.setId("paretoXAxis");
        x.valueProperty().bindBidirectional(chart.xFigureProperty());
        x.setTooltip(new Tooltip("The figure on the horizontal axis; the front is recomputed for it"));
        ChoiceBox<ChartAxis> y = new ChoiceBox<>(FXCollections.observableArrayList(ChartAxis.Y_CHOICES));
        y.setId("paretoYAxis");
        y.valueProperty().bindBidirectional(chart.yFigureProperty());
        y.setTooltip(new Tooltip("The quality figure on the vertical axis: the study's metric, fidelity to the original, or accuracy where the data has labels"));
        HBox axes = new HBox(8, Ui.label("x", "form-label"), x, Ui.label("y", "form-label"), y);
        axes.setAlignment(Pos.CENTER_LEFT);
        axes.getStyleClass().add("chart-axes");

        Label empty = Ui.label("No measured candidates yet. Press Start search, or open a study with File ▸ Open study…", "chart-empty");
        empty.setWrapText(true);
        empty.setMaxWidth(340);
        empty.setMouseTransparent(true);
        empty.visibleProperty().bind(study.measuredProperty().isEqualTo(0));
        StackPane scatter = new StackPane(chart, empty);

        SplitPane charts = new SplitPane(scatter, hypervolume);
        charts.setOrientation(Orientation.VERTICAL);
        charts.setDividerPositions(0.74);
        SplitPane.setResizableWithParent(hypervolume, false);
        root.setTop(axes);
        root.setCenter(charts);
        root.getStyleClass().add("chart-card");
        root.setMinWidth(360);
    }

    public Node node() { return root; }
}
