package dev.lathe.ui.run;

import dev.lathe.search.HypervolumeHistory;
import dev.lathe.study.CandidateRecord;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;

import java.util.ArrayList;
import java.util.List;

/**
 * The hypervolume of the study's latency/quality front after each evaluation ({@link HypervolumeHistory}),
 * recomputed from the candidates in study order whenever they change: live during a search, in full for an
 * opened study. A flat stretch means the search found nothing better for a while.
 */
final class HypervolumeChart extends LineChart<Number, Number> {
    private final StudyViewModel study;
    private final XYChart.Series<Number, Number> history = new XYChart.Series<>();
    private List<HypervolumeHistory.Point> points = List.of();

    HypervolumeChart(StudyViewModel study) {
        super(new NumberAxis(), new NumberAxis());
        this.study = study;
        setId("hypervolumeChart");
        getStyleClass().add("hypervolume-chart");
        setAnimated(false);
        setLegendVisible(false);
        setCreateSymbols(false);
        history.setName("Hypervolume");
        getData().add(history);
        NumberAxis x = (NumberAxis) getXAxis();
        NumberAxis y = (NumberAxis) getYAxis();
        x.setLabel("Evaluations");
        x.setForceZeroInRange(false);
        y.setLabel("Hypervolume");
        y.setForceZeroInRange(true);
        setMinHeight(120);
        setPrefHeight(160);
        javafx.scene.control.Tooltip tip = new javafx.scene.control.Tooltip("Area of the latency/quality front: share of the original's latency saved × quality "
                + "(reference point: the original's latency at quality 0). It can only grow; flat stretches found nothing better.");
        javafx.scene.control.Tooltip.install(this, tip);
        study.revisionProperty().addListener(o -> rebuild());
        rebuild();
    }

    /** The history on display. */
    List<HypervolumeHistory.Point> points() { return points; }

    private void rebuild() {
        points = HypervolumeHistory.of(study.study());
        List<XYChart.Data<Number, Number>> data = new ArrayList<>(points.size());
        for (HypervolumeHistory.Point p : points) data.add(new XYChart.Data<>(p.evaluations(), p.hypervolume()));
        history.getData().setAll(data);
    }
}
