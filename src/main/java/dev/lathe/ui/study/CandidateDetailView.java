package dev.lathe.ui.study;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.ui.common.Command;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.Ui;
import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

/**
 * The selected candidate: its figures (latency median and p90, quality, size, speed-up over the original), what
 * it keeps of every prunable group, which layers it quantizes, and the Export button.
 */
public final class CandidateDetailView {
    private final StudyViewModel study;
    private final ScrollPane root;
    private final VBox box = new VBox(12);
    private final Label title = Ui.label("", "detail-title");
    private final FlowPane badges = new FlowPane(6, 6);
    private final Label subtitle = Ui.label("", "muted", "small");
    private final GridPane figures = new GridPane();
    private final GridPane groups = new GridPane();
    private final FlowPane precisions = new FlowPane(5, 5);
    private final Label error = Ui.label("", "error-text");
    private final Button export = new Button("Export…");
    private final Button showInGraph = new Button("Show in graph");
    private final Label exportStatus = Ui.label("", "export-status");
    private final VBox empty;

    public CandidateDetailView(StudyViewModel study, Command exportCommand) {
        this.study = study;
        title.setId("detailTitle");
        figures.setId("detailFigures");
        groups.setId("detailGroups");
        precisions.setId("detailPrecisions");
        export.setId("exportButton");
        exportStatus.setId("exportStatus");
        export.setGraphic(Ui.icon(Ui.EXPORT));
        export.getStyleClass().add("primary");
        export.setMaxWidth(Double.MAX_VALUE);
        exportCommand.bind(export);
        export.setTooltip(new Tooltip("Rebuild this candidate, check it against the study and write model.onnx and report.json into a folder"));
        exportStatus.textProperty().bind(study.exportMessageProperty());
        showInGraph.setId("showInGraphButton");
        showInGraph.setMaxWidth(Double.MAX_VALUE);
        showInGraph.setTooltip(new Tooltip("Open this candidate in the graph view: what it changed, its per-node error, its profile"));
        showInGraph.setOnAction(e -> study.showSelectedInGraph());
        showInGraph.disableProperty().bind(study.selectedProperty().isNull());
        exportStatus.setWrapText(true);
        error.setWrapText(true);

        groups.setHgap(8);
        groups.setVgap(6);
        ColumnConstraints gName = new ColumnConstraints();
        gName.setHgrow(Priority.ALWAYS);
        gName.setMinWidth(60);
        ColumnConstraints gBar = new ColumnConstraints(90);
        ColumnConstraints gCount = new ColumnConstraints();
        gCount.setHalignment(HPos.RIGHT);
        gCount.setMinWidth(Region.USE_PREF_SIZE);
        groups.getColumnConstraints().addAll(gName, gBar, gCount);

        figures.setHgap(14);
        figures.setVgap(7);
        ColumnConstraints l = new ColumnConstraints();
        l.setMinWidth(110);
        ColumnConstraints v = new ColumnConstraints();
        v.setHgrow(Priority.ALWAYS);
        figures.getColumnConstraints().addAll(l, v);

        Label hint = Ui.label("Select a point in the chart or a row in the table to see what that candidate keeps, quantizes and measures.",
                "placeholder-text");
        hint.setWrapText(true);
        empty = new VBox(8, Ui.label("No candidate selected", "card-title"), hint);
        empty.setPadding(new Insets(4, 0, 0, 0));

        box.getStyleClass().add("detail-box");
        root = new ScrollPane(box);
        root.setFitToWidth(true);
        root.getStyleClass().add("detail-panel");
        root.setHbarPolicy(ScrollPane.ScrollBarPolicy.NEVER);
        root.setId("candidateDetail");
        root.setMinWidth(300);
        root.setPrefWidth(400);
        study.detailProperty().addListener((o, a, d) -> show(d));
        study.confirmations().addListener((javafx.collections.MapChangeListener<Long, dev.lathe.study.ConfirmedSpeedup>) c -> show(study.detailProperty().get()));
        show(study.detailProperty().get());
    }

    public Node node() { return root; }

    private void show(CandidateDetail d) {
        if (d == null) {
            box.getChildren().setAll(empty);
            return;
        }
        CandidateRecord c = d.record();
        title.setText("Candidate #" + c.id());
        badges.getChildren().clear();
        if (d.original()) badges.getChildren().add(Ui.label("ORIGINAL", "badge", "badge-original"));
        if (d.pareto()) badges.getChildren().add(Ui.label("PARETO FRONT", "badge", "badge-front"));
        if (c.status() == CandidateStatus.FAILED) badges.getChildren().add(Ui.label("FAILED", "badge", "badge-failed"));
        else if (!c.isDone()) badges.getChildren().add(Ui.label(c.status().id().toUpperCase(java.util.Locale.ROOT), "badge", "badge-pending"));
        subtitle.setText(c.origin() + " · generation " + c.generation() + (c.evalSeconds() == null ? "" : " · measured in " + Formats.duration(c.evalSeconds())));
        title.setMinWidth(Label.USE_PREF_SIZE);
        HBox head = new HBox(10, title, badges);
        head.setAlignment(Pos.CENTER_LEFT);
        badges.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(badges, Priority.ALWAYS);

        figures.getChildren().clear();
        int r = 0;
        String metric = c.qualityMetric() == null ? "quality" : c.qualityMetric();
        boolean cpu = study.clockProperty().get() == dev.lathe.eval.timing.LatencyClock.CPU;
        r = figure(r, cpu ? "CPU time (median)" : "Latency (median)", Formats.ms(c.latencyMs()), cpu ? "per run" : null);
        r = figure(r, cpu ? "CPU time (p90)" : "Latency (p90)", Formats.ms(c.latencyP90Ms()), null);
        r = figure(r, "Speed-up", d.original() ? "1.00×" : Formats.speedup(d.speedup()),
                d.original() ? "baseline" : d.speedup() == null ? "original not measured" : "vs original");
        dev.lathe.study.ConfirmedSpeedup confirmed = d.original() ? null : study.confirmations().get(c.id());
        if (confirmed != null)
            r = figure(r, "Confirmed", Formats.speedup(confirmed.speedup()), String.format(java.util.Locale.ROOT,
                    "A B B A vs original, %.2f–%.2f, %d cycles%s", confirmed.low(), confirmed.high(), confirmed.cycles(),
                    confirmed.device() == null ? "" : ", on device " + confirmed.device()));
        r = figure(r, "Quality", Formats.quality(c.quality()), metric);
        if (c.fidelity() != null && !"fidelity".equals(metric)) r = figure(r, "Fidelity", Formats.quality(c.fidelity()), "vs original");
        r = figure(r, "Size", c.sizeBytes() == null ? "–" : Formats.bytes(c.sizeBytes()),
                d.sizeShare() == null ? null : Formats.percent(d.sizeShare()) + " of original");
        if (c.parameters() != null) figure(r, "Parameters", Formats.count(c.parameters()), null);

        groups.getChildren().clear();
        long pruned = d.groups().stream().filter(CandidateDetail.GroupKeep::pruned).count();
        if (d.groups().isEmpty()) groups.add(Ui.label(d.groupSizesKnown() ? "The model has no prunable groups." : "Nothing pruned.", "muted"), 0, 0, 3, 1);
        int gr = 0;
        for (CandidateDetail.GroupKeep g : d.groups()) groupRow(gr++, g);

        precisions.getChildren().clear();
        if (d.precisions().isEmpty()) precisions.getChildren().add(Ui.label("none: all weights stay float32", "muted"));
        d.precisions().forEach((layer, p) -> precisions.getChildren().add(Ui.label(layer + " · " + p, "chip")));

        error.setText(c.error() == null ? "" : c.error());
        error.setVisible(c.error() != null);
        error.setManaged(c.error() != null);

        box.getChildren().setAll(head, subtitle, figures,
                Ui.sectionHeader("Pruning · " + pruned + " of " + d.groups().size() + " groups"), groups,
                Ui.sectionHeader("Reduced precision · " + d.precisions().size() + " layers"), precisions,
                error, new VBox(8, export, showInGraph, exportStatus));
        VBox.setMargin(error, new Insets(4, 0, 0, 0));
        VBox.setMargin(box.getChildren().getLast(), new Insets(10, 0, 0, 0));
    }

    private int figure(int row, String label, String value, String note) {
        Label l = Ui.label(label, "figure-label");
        Label v = Ui.label(value, "figure-value");
        v.setMinWidth(Label.USE_PREF_SIZE);
        HBox val = new HBox(6, v);
        val.setAlignment(Pos.BASELINE_LEFT);
        if (note != null) val.getChildren().add(Ui.label(note, "figure-note"));
        figures.add(l, 0, row);
        figures.add(val, 1, row);
        GridPane.setHalignment(l, HPos.LEFT);
        return row + 1;
    }

    private void groupRow(int row, CandidateDetail.GroupKeep g) {
        Label name = Ui.label(g.name(), "group-name");
        name.setTooltip(new Tooltip(g.id() + " (" + g.kind().replace('_', ' ') + ")"));
        name.setMinWidth(0);
        name.setTextOverrun(javafx.scene.control.OverrunStyle.LEADING_ELLIPSIS);
        String countText = g.of() > 0 ? g.kept() + " / " + g.of() : Formats.percent(g.ratio());
        Label count = Ui.label(countText, "group-count");
        count.setMinWidth(Label.USE_PREF_SIZE);
        ProgressBar bar = new ProgressBar(g.of() > 0 ? g.kept() / (double) g.of() : g.ratio());
        bar.getStyleClass().add("keep-bar");
        if (g.pruned()) bar.getStyleClass().add("pruned");
        bar.setMaxWidth(Double.MAX_VALUE);
        groups.addRow(row, name, bar, count);
    }
}
