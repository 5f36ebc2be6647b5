package dev.lathe.ui.study;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.ConfirmedSpeedup;
import dev.lathe.study.ParetoFront;
import dev.lathe.ui.common.Formats;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
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
 * A cost (x: latency by default, or speed-up, size, peak memory, parameters) against a quality figure (y) for
 * every measured candidate, redrawn as the study or the chosen axes change: all candidates faded, the front of
 * the two chosen figures highlighted and joined by its attainment staircase, the original model as a dark
 * diamond. Clicking a point selects its candidate; the selected one is ringed; hovering shows its figures.
 * Distilled candidates (kept apart in the study) are orange triangles at their quality after distillation, each
 * joined by a dotted line to the measured point it came from; the front stays the measured one.
 * A front candidate whose speed-up was confirmed after the search (timed A B B A against the original) is plotted
 * at its confirmed figure on the latency and speed-up axes, ringed green, and joined by a dotted green line to
 * where the search's own figure would put it; every other candidate is plotted at the search's figure.
 */
public final class ParetoChart extends ScatterChart<Number, Number> {
    private final StudyViewModel study;
    private final XYChart.Series<Number, Number> all = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> front = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> original = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> distilled = new XYChart.Series<>();
    /** The confirmed candidates again, ringed on top of their points; the legend names them. */
    private final XYChart.Series<Number, Number> confirmed = new XYChart.Series<>();
    /** Each confirmed candidate's x at the search's own figure, for the dotted line to its confirmed point. */
    private final java.util.Map<CandidateRow, Double> searchX = new java.util.HashMap<>();
    private final Path frontLine = new Path();
    private final Path distilledLinks = new Path();
    private final Path confirmedLinks = new Path();
    private final ObjectProperty<ChartAxis> xFigure = new SimpleObjectProperty<>(ChartAxis.LATENCY);
    private final ObjectProperty<ChartAxis> yFigure = new SimpleObjectProperty<>(ChartAxis.QUALITY);

    public ParetoChart(StudyViewModel study) {
        super(new NumberAxis(), new NumberAxis());
        this.study = study;
        setId("paretoChart");
        getStyleClass().add("pareto-chart");
        setAnimated(false);
        all.setName("All candidates");
        front.setName("Pareto front");
        original.setName("Original model");
        distilled.setName("Distilled (not on the measured front)");
        confirmed.setName("Confirmed speed-up (A B B A vs original)");
        getData().add(all);
        getData().add(front);
        getData().add(original);
        getData().add(distilled);
        getData().add(confirmed);
        NumberAxis x = (NumberAxis) getXAxis();
        NumberAxis y = (NumberAxis) getYAxis();
        x.setForceZeroInRange(false);
        y.setForceZeroInRange(false);
        x.labelProperty().bind(Bindings.createStringBinding(() -> xFigure.get() == ChartAxis.LATENCY
                && study.clockProperty().get() == dev.lathe.eval.timing.LatencyClock.CPU
                ? "CPU time per run, median ms (lower is better)" : xFigure.get().label(), xFigure, study.clockProperty()));
        y.labelProperty().bind(Bindings.createStringBinding(() -> yFigure.get() == ChartAxis.QUALITY
                ? "Quality: " + study.qualityMetricProperty().get() + " (higher is better)" : yFigure.get().label(), yFigure, study.qualityMetricProperty()));
        x.setTickLabelFormatter(ticks(xFigure));
        y.setTickLabelFormatter(ticks(yFigure));
        frontLine.getStyleClass().add("front-line");
        frontLine.setMouseTransparent(true);
        frontLine.setManaged(false);
        getPlotChildren().add(0, frontLine);
        distilledLinks.getStyleClass().add("distilled-link");
        distilledLinks.setMouseTransparent(true);
        distilledLinks.setManaged(false);
        getPlotChildren().add(0, distilledLinks);
        confirmedLinks.getStyleClass().add("confirmed-link");
        confirmedLinks.setMouseTransparent(true);
        confirmedLinks.setManaged(false);
        getPlotChildren().add(0, confirmedLinks);
        study.revisionProperty().addListener(o -> rebuild());
        study.confirmations().addListener((javafx.collections.MapChangeListener<Long, ConfirmedSpeedup>) c -> rebuild());
        study.distilled().addListener((javafx.collections.ListChangeListener<dev.lathe.study.DistilledCandidate>) c -> rebuild());
        // A study opens on its own objective's axis (the user may choose another after).
        study.objectiveProperty().addListener((o, was, now) -> xFigure.set(studyAxis()));
        study.selectedProperty().addListener(o -> markSelection());
        xFigure.addListener(o -> rebuild());
        yFigure.addListener(o -> rebuild());
        rebuild();
    }

    /** The figure on the x axis (a cost: lower is better, but for speed-up). */
    public ObjectProperty<ChartAxis> xFigureProperty() { return xFigure; }

    /** The quality figure on the y axis. */
    public ObjectProperty<ChartAxis> yFigureProperty() { return yFigure; }

    private static javafx.util.StringConverter<Number> ticks(ObjectProperty<ChartAxis> figure) {
        return new javafx.util.StringConverter<>() {
            @Override
            public String toString(Number n) { return n == null ? "" : figure.get().format(n.doubleValue()); }

            @Override
            public Number fromString(String text) { return Double.valueOf(text); }
        };
    }

    private void rebuild() {
        ChartAxis fx = xFigure.get(), fy = yFigure.get();
        List<XYChart.Data<Number, Number>> a = new ArrayList<>(), o = new ArrayList<>(), c = new ArrayList<>();
        searchX.clear();
        for (CandidateRow r : study.rows()) {
            Double searched = fx.of(r), yv = fy.of(r);
            if (searched == null || yv == null) continue;
            double xv = plottedX(fx, r, searched);
            XYChart.Data<Number, Number> d = point(r, xv, yv);
            a.add(d);
            if (r.isOriginal()) o.add(point(r, xv, yv));
            if (confirmationOf(r) != null && (fx == ChartAxis.LATENCY || fx == ChartAxis.SPEEDUP)) {
                c.add(point(r, xv, yv));
                searchX.put(r, searched);
            }
        }
        // On the study's own axes the front is the study's; on others it is re-projected onto the two figures shown,
        // so it follows the axes: a candidate can lead on size and not on latency.
        List<XYChart.Data<Number, Number>> f = new ArrayList<>();
        // Candidates breaking one of the study's constraints are plotted but never on the front.
        List<XYChart.Data<Number, Number>> feasible = a.stream().filter(d -> ((CandidateRow) d.getExtraValue()).violations().isEmpty()).toList();
        List<XYChart.Data<Number, Number>> onFront = fx == studyAxis() && fy == ChartAxis.QUALITY
                ? a.stream().filter(d -> ((CandidateRow) d.getExtraValue()).isPareto()).toList()
                : ParetoFront.nonDominated(feasible, p -> fx.higherIsBetter() ? -p.getXValue().doubleValue() : p.getXValue().doubleValue(),
                        p -> p.getYValue().doubleValue());
        for (XYChart.Data<Number, Number> d : onFront)
            f.add(point((CandidateRow) d.getExtraValue(), d.getXValue().doubleValue(), d.getYValue().doubleValue()));
        f.sort(Comparator.comparingDouble(d -> d.getXValue().doubleValue()));
        all.getData().setAll(a);
        front.getData().setAll(f);
        original.getData().setAll(o);
        distilled.getData().setAll(distilledPoints(fx, fy));
        confirmed.getData().setAll(c);
        for (XYChart.Series<Number, Number> s : List.of(all, front, original, confirmed))
            for (XYChart.Data<Number, Number> d : s.getData()) decorate(d);
        for (XYChart.Data<Number, Number> d : distilled.getData()) decorateDistilled(d);
        markSelection();
        requestChartLayout();
    }

    /** {@code r}'s confirmed speed-up, or null where it has none (the original never has one). */
    private ConfirmedSpeedup confirmationOf(CandidateRow r) {
        return r.isOriginal() ? null : study.confirmations().get(r.id());
    }

    /**
     * Where {@code r} goes on x: its confirmed speed-up on the speed-up axis; on the latency axis the latency that
     * speed-up implies against the original as plotted (the original's drift-corrected latency over the confirmed
     * ratio), so it sits on the same scale as every other point; elsewhere, and without a confirmation, the
     * search's own figure {@code searched}.
     */
    private double plottedX(ChartAxis fx, CandidateRow r, double searched) {
        ConfirmedSpeedup c = confirmationOf(r);
        if (c == null || !(c.speedup() > 0)) return searched;
        if (fx == ChartAxis.SPEEDUP) return c.speedup();
        if (fx == ChartAxis.LATENCY) {
            CandidateRow o = study.originalProperty().get();
            Double originalMs = o == null ? null : ChartAxis.LATENCY.of(o);
            return originalMs == null ? searched : originalMs / c.speedup();
        }
        return searched;
    }

    /** A distilled point: what was distilled, from which measured row, and where that row is plotted. */
    record DistilledPoint(dev.lathe.study.DistilledCandidate distilled, CandidateRow from, double fromX, double fromY) {}

    /**
     * Where each distilled candidate goes: at its measured point's cost (distillation trains weights and keeps the
     * structure; a measured latency is used where the study has one) and its quality after, on a y axis showing
     * that quality figure.
     */
    private List<XYChart.Data<Number, Number>> distilledPoints(ChartAxis fx, ChartAxis fy) {
        List<XYChart.Data<Number, Number>> out = new ArrayList<>();
        for (dev.lathe.study.DistilledCandidate d : study.distilled()) {
            CandidateRow r = study.row(d.candidateId());
            if (r == null) continue;
            Double xv = fx.of(r), yv = fy.of(r);
            boolean sameFigure = fy == ChartAxis.QUALITY || fy.name().equalsIgnoreCase(d.qualityMetric());
            if (xv == null || yv == null || !sameFigure) continue;
            double x = fx == ChartAxis.LATENCY && d.latencyMs() != null ? d.latencyMs() : xv;
            XYChart.Data<Number, Number> p = new XYChart.Data<>(x, d.qualityAfter());
            p.setExtraValue(new DistilledPoint(d, r, xv, yv));
            out.add(p);
        }
        return out;
    }

    private void decorateDistilled(XYChart.Data<Number, Number> d) {
        Node n = d.getNode();
        if (n == null) return;
        DistilledPoint p = (DistilledPoint) d.getExtraValue();
        n.getStyleClass().add("distilled-point");
        n.setCursor(Cursor.HAND);
        n.setOnMouseClicked(e -> study.select(p.from().id()));
        Tooltip t = new Tooltip(distilledTooltip(p.distilled()));
        t.setShowDelay(Duration.millis(150));
        Tooltip.install(n, t);
    }

    /** What hovering a distilled point shows: where it came from and what distillation recovered. */
    public static String distilledTooltip(dev.lathe.study.DistilledCandidate d) {
        return "Candidate #" + d.candidateId() + ", distilled (#" + d.id() + ", " + d.steps() + " steps)"
                + "\n" + d.qualityMetric() + " " + Formats.quality(d.qualityBefore()) + " → " + Formats.quality(d.qualityAfter())
                + " on the evaluation data"
                + (d.sizeBytes() == null ? "" : "\nSize " + Formats.bytes(d.sizeBytes()))
                + (d.outPath() == null ? "\nDistilled in the search; not exported" : "\nExported to " + d.outPath())
                + "\nNot on the front, which is of measured figures";
    }

    /** The x figure the study's own front is decided on. */
    private ChartAxis studyAxis() {
        return study.objectiveProperty().get() == dev.lathe.study.Objective.MEMORY ? ChartAxis.PEAK_MEMORY : ChartAxis.LATENCY;
    }

    private static XYChart.Data<Number, Number> point(CandidateRow r, double x, double y) {
        XYChart.Data<Number, Number> d = new XYChart.Data<>(x, y);
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
        boolean onFront = front.getData().stream().anyMatch(p -> p.getExtraValue() == r);
        if (confirmed.getData().contains(d)) n.getStyleClass().add("confirmed-point");
        Tooltip t = new Tooltip(tooltipText(r, onFront, confirmationOf(r)));
        t.setShowDelay(Duration.millis(150));
        Tooltip.install(n, t);
    }

    /** What hovering a point shows: the candidate, every figure it has, and what its genome changes. */
    public static String tooltipText(CandidateRow r, boolean onFront) {
        return tooltipText(r, onFront, null);
    }

    /**
     * As {@link #tooltipText(CandidateRow, boolean)}, with the confirmed speed-up {@code confirmed} (null: none)
     * beside the search's own, its interval and cycles, and which of the two the point is plotted at.
     */
    public static String tooltipText(CandidateRow r, boolean onFront, ConfirmedSpeedup confirmed) {
        CandidateRecord c = r.record();
        return "Candidate #" + r.id() + (r.isOriginal() ? " (original)" : "") + (onFront ? " · on the front of these axes" : "")
                + "\nLatency " + Formats.ms(c.latencyMs()) + " (p90 " + Formats.ms(c.latencyP90Ms()) + ")"
                + (r.correctedLatencyMs() == null ? "" : ", drift-corrected " + Formats.ms(r.correctedLatencyMs()))
                + (r.speedup() == null ? "" : "\nSpeed-up " + Formats.speedup(r.speedup()) + (confirmed == null ? "" : " in the search"))
                + (confirmed == null ? "" : String.format(java.util.Locale.ROOT,
                        "\nConfirmed %s (95%% %.2f–%.2f, %d A B B A cycles against the original, %s clock%s); plotted at the confirmed figure",
                        Formats.speedup(confirmed.speedup()), confirmed.low(), confirmed.high(), confirmed.cycles(), confirmed.clock(),
                        confirmed.device() == null ? "" : ", on device " + confirmed.device()))
                + (r.violations().isEmpty() ? "" : "\nViolates " + r.violations())
                + "\n" + c.qualityMetric() + " " + Formats.quality(c.quality())
                + (c.accuracy() == null || "accuracy".equals(c.qualityMetric()) ? "" : "\naccuracy " + Formats.quality(c.accuracy()))
                + (c.sizeBytes() == null ? "" : "\nSize " + Formats.bytes(c.sizeBytes()))
                + (c.parameters() == null ? "" : "\nParameters " + Formats.count(c.parameters()))
                + (c.peakMemoryBytes() == null ? "" : "\nPeak memory " + Formats.bytes(c.peakMemoryBytes()))
                + "\n" + r.changes() + keeps(r);
    }

    /** The pruned groups' keep ratios, the first few: "keeps ffn.0 75 %, heads.2 50 %, …". */
    private static String keeps(CandidateRow r) {
        if (r.genome() == null) return "";
        List<String> kept = r.genome().keepRatios().entrySet().stream().filter(e -> e.getValue() < 1.0)
                .map(e -> e.getKey() + " " + Formats.percent(e.getValue())).toList();
        if (kept.isEmpty()) return "";
        return "\nkeeps " + String.join(", ", kept.subList(0, Math.min(4, kept.size()))) + (kept.size() > 4 ? ", …" : "");
    }

    private void markSelection() {
        CandidateRow sel = study.selectedProperty().get();
        List<Node> selectedNodes = new ArrayList<>();
        for (XYChart.Series<Number, Number> s : List.of(all, front, original, confirmed)) {
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
        for (XYChart.Data<Number, Number> d : distilled.getData()) if (d.getNode() != null) d.getNode().toFront();
        for (XYChart.Data<Number, Number> d : confirmed.getData()) if (d.getNode() != null) d.getNode().toFront();
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
        distilledLinks.getElements().clear();
        confirmedLinks.getElements().clear();
        NumberAxis ax = (NumberAxis) getXAxis(), ay = (NumberAxis) getYAxis();
        for (XYChart.Data<Number, Number> d : confirmed.getData()) {
            Double from = searchX.get((CandidateRow) d.getExtraValue());
            if (from == null) continue;
            double y = ay.getDisplayPosition(d.getYValue());
            confirmedLinks.getElements().add(new MoveTo(ax.getDisplayPosition(from), y));
            confirmedLinks.getElements().add(new LineTo(ax.getDisplayPosition(d.getXValue()), y));
        }
        for (XYChart.Data<Number, Number> d : distilled.getData()) {
            DistilledPoint p = (DistilledPoint) d.getExtraValue();
            distilledLinks.getElements().add(new MoveTo(ax.getDisplayPosition(p.fromX()), ay.getDisplayPosition(p.fromY())));
            distilledLinks.getElements().add(new LineTo(ax.getDisplayPosition(d.getXValue()), ay.getDisplayPosition(d.getYValue())));
        }
        List<XYChart.Data<Number, Number>> pts = front.getData();
        if (pts.size() < 2) return;
        NumberAxis x = (NumberAxis) getXAxis();
        NumberAxis y = (NumberAxis) getYAxis();
        double px = x.getDisplayPosition(pts.get(0).getXValue()), py = y.getDisplayPosition(pts.get(0).getYValue());
        frontLine.getElements().add(new MoveTo(px, py));
        // Staircase: what the front attains between its points. With a cost on x, quality holds until the next point
        // (which costs more); with a benefit (speed-up), each stretch attains the next point's quality.
        boolean benefit = xFigure.get().higherIsBetter();
        for (int i = 1; i < pts.size(); i++) {
            double nx = x.getDisplayPosition(pts.get(i).getXValue()), ny = y.getDisplayPosition(pts.get(i).getYValue());
            frontLine.getElements().add(benefit ? new LineTo(px, ny) : new LineTo(nx, py));
            frontLine.getElements().add(new LineTo(nx, ny));
            px = nx;
            py = ny;
        }
    }
}
