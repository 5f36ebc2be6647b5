package dev.lathe.ui;

import dev.lathe.study.CandidateRecord;
import javafx.beans.binding.Bindings;
import javafx.scene.Cursor;
import javafx.scene.Node;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.ScatterChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Tooltip;
import javafx.scene.shape.LineTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.util.Duration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Latency (x) against quality (y) for every measured candidate, redrawn as the study changes: all candidates
 * faded, the Pareto front highlighted and joined by its attainment staircase, the original model as a dark
 * diamond. Clicking a point selects its candidate; the selected one is ringed.
 */
final class ParetoChart extends ScatterChart<Number, Number> {
    private final StudyViewModel study;
    private final XYChart.Series<Number, Number> all = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> front = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> original = new XYChart.Series<>();
    private final Path frontLine = new Path();

    ParetoChart(StudyViewModel study) {
        super(new NumberAxis(), new NumberAxis());
        this.study = study;
        setId("paretoChart");
        getStyleClass().add("pareto-chart");
        setAnimated(false);
        all.setName("All candidates");
        front.setName("Pareto front");
        original.setName("Original model");
        getData().add(all);
        getData().add(front);
        getData().add(original);
        NumberAxis x = (NumberAxis) getXAxis();
        NumberAxis y = (NumberAxis) getYAxis();
        x.setForceZeroInRange(false);
        y.setForceZeroInRange(false);
        x.labelProperty().bind(study.clockProperty().map(c -> c == dev.lathe.eval.LatencyClock.CPU
                ? "CPU time per run, median ms (lower is better)" : "Latency, median ms (lower is better)"));
        y.labelProperty().bind(Bindings.concat("Quality: ", study.qualityMetricProperty(), " (higher is better)"));
        frontLine.getStyleClass().add("front-line");
        frontLine.setMouseTransparent(true);
        frontLine.setManaged(false);
        getPlotChildren().add(0, frontLine);
        study.revisionProperty().addListener(o -> rebuild());
        study.selectedProperty().addListener(o -> markSelection());
        rebuild();
    }

    private void rebuild() {
        List<XYChart.Data<Number, Number>> a = new ArrayList<>(), f = new ArrayList<>(), o = new ArrayList<>();
        List<CandidateRow> frontRows = new ArrayList<>();
        for (CandidateRow r : study.rows()) {
            CandidateRecord c = r.record();
            if (!c.isDone() || c.latencyMs() == null || c.quality() == null) continue;
            a.add(point(r));
            if (r.isPareto()) frontRows.add(r);
            if (r.isOriginal()) o.add(point(r));
        }
        frontRows.sort(Comparator.comparingDouble(r -> r.record().comparableLatencyMs()));
        for (CandidateRow r : frontRows) f.add(point(r));
        all.getData().setAll(a);
        front.getData().setAll(f);
        original.getData().setAll(o);
        for (XYChart.Series<Number, Number> s : List.of(all, front, original))
            for (XYChart.Data<Number, Number> d : s.getData()) decorate(d);
        markSelection();
        requestChartLayout();
    }

    private static XYChart.Data<Number, Number> point(CandidateRow r) {
        // Drift-corrected where the study has references, so the points sit where the front was decided.
        XYChart.Data<Number, Number> d = new XYChart.Data<>(r.record().comparableLatencyMs(), r.record().quality());
        d.setExtraValue(r);
        return d;
    }

    private void decorate(XYChart.Data<Number, Number> d) {
        Node n = d.getNode();
        if (n == null) return;
        CandidateRow r = (CandidateRow) d.getExtraValue();
        CandidateRecord c = r.record();
        n.setCursor(Cursor.HAND);
        n.setOnMouseClicked(e -> study.select(r.id()));
        String text = "Candidate #" + r.id() + (r.isOriginal() ? " (original)" : r.isPareto() ? " (Pareto front)" : "")
                + "\nLatency " + Formats.ms(c.latencyMs()) + " (p90 " + Formats.ms(c.latencyP90Ms()) + ")"
                + (c.correctedLatencyMs() == null ? "" : ", drift-corrected " + Formats.ms(c.correctedLatencyMs()))
                + (c.peakMemoryBytes() == null ? "" : "\nPeak memory " + Formats.bytes(c.peakMemoryBytes()))
                + (r.violations().isEmpty() ? "" : "\nViolates " + r.violations())
                + "\n" + c.qualityMetric() + " " + Formats.quality(c.quality())
                + (c.sizeBytes() == null ? "" : "\nSize " + Formats.bytes(c.sizeBytes()))
                + (r.speedup() == null ? "" : "\nSpeed-up " + Formats.speedup(r.speedup()))
                + "\n" + r.changes();
        Tooltip t = new Tooltip(text);
        t.setShowDelay(Duration.millis(150));
        Tooltip.install(n, t);
    }

    private void markSelection() {
        CandidateRow sel = study.selectedProperty().get();
        List<Node> selectedNodes = new ArrayList<>();
        for (XYChart.Series<Number, Number> s : List.of(all, front, original)) {
            for (XYChart.Data<Number, Number> d : s.getData()) {
                Node n = d.getNode();
                if (n == null) continue;
                boolean on = sel != null && d.getExtraValue() == sel;
                n.getStyleClass().remove("selected-point");
                if (on) {
                    n.getStyleClass().add("selected-point");
                    selectedNodes.add(n);
                }
            }
        }
        // Stacking: faded points, then the front, then the original, then the selection on top.
        for (XYChart.Data<Number, Number> d : front.getData()) if (d.getNode() != null) d.getNode().toFront();
        for (XYChart.Data<Number, Number> d : original.getData()) if (d.getNode() != null) d.getNode().toFront();
        selectedNodes.forEach(Node::toFront);
    }

    /**
     * ScatterChart styles a legend symbol after its series' first point, and these series start empty: give the
     * symbols their series' colour classes directly so the legend matches the points.
     */
    @Override
    protected void updateLegend() {
        super.updateLegend();
        int i = 0;
        for (Node n : lookupAll(".chart-legend-item")) {
            if (n instanceof javafx.scene.control.Label l && l.getGraphic() != null) {
                l.getGraphic().getStyleClass().setAll("chart-symbol", "chart-legend-item-symbol", "series" + i, "default-color" + i);
                i++;
            }
        }
    }

    @Override
    protected void layoutPlotChildren() {
        super.layoutPlotChildren();
        frontLine.getElements().clear();
        List<XYChart.Data<Number, Number>> pts = front.getData();
        if (pts.size() < 2) return;
        NumberAxis x = (NumberAxis) getXAxis();
        NumberAxis y = (NumberAxis) getYAxis();
        double px = x.getDisplayPosition(pts.get(0).getXValue()), py = y.getDisplayPosition(pts.get(0).getYValue());
        frontLine.getElements().add(new MoveTo(px, py));
        for (int i = 1; i < pts.size(); i++) {
            double nx = x.getDisplayPosition(pts.get(i).getXValue()), ny = y.getDisplayPosition(pts.get(i).getYValue());
            frontLine.getElements().add(new LineTo(nx, py)); // staircase: what the front attains between its points
            frontLine.getElements().add(new LineTo(nx, ny));
            py = ny;
        }
    }
}
