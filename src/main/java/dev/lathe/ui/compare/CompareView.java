package dev.lathe.ui.compare;

import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.Ui;
import dev.lathe.ui.study.CandidateDetail;

import javafx.geometry.HPos;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.OverrunStyle;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Rectangle;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Two candidates side by side in a window of their own: their figures with the change from the first to the
 * second, the units each keeps of every prunable group, and each layer's weight precision (bars as long as the
 * bits per weight), the first candidate in blue and the second in orange.
 */
final class CompareView {
    private static final double BAR_WIDTH = 130;

    private CompareView() {}

    /** Opens the comparison over {@code owner}; Esc closes it. */
    static Stage show(Window owner, CandidateComparison c) {
        ScrollPane root = new ScrollPane(content(c));
        root.setFitToWidth(true);
        root.setId("compareView");
        root.getStyleClass().add("compare-scroll");
        Stage stage = new Stage();
        if (owner != null) stage.initOwner(owner);
        stage.setTitle("Compare candidates #" + c.a().id() + " and #" + c.b().id());
        Scene scene = new Scene(root, 1080, 740);
        if (owner != null && owner.getScene() != null) scene.getStylesheets().setAll(owner.getScene().getStylesheets());
        scene.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) stage.close();
        });
        stage.setScene(scene);
        stage.show();
        return stage;
    }

    static Node content(CandidateComparison c) {
        Label a = Ui.label("#" + c.a().id(), "compare-a", "compare-head");
        Label b = Ui.label("#" + c.b().id(), "compare-b", "compare-head");
        HBox head = new HBox(8, Ui.label("Candidate", "compare-head"), a, Ui.label("and", "compare-head"), b);
        head.setAlignment(Pos.BASELINE_LEFT);
        Label sub = Ui.label(describe(c.a()) + "    ·    " + describe(c.b()), "muted", "small");

        GridPane groups = new GridPane();
        groups.setId("compareGroups");
        barGrid(groups);
        int gi = 0;
        for (CandidateComparison.GroupRow g : c.groups()) {
            rowName(groups, 2 * gi, g.name(), g.name() + "\n" + g.id() + " (" + g.a().kind().replace('_', ' ') + ")");
            keepBar(groups, 2 * gi, "a", g.a(), gi);
            keepBar(groups, 2 * gi + 1, "b", g.b(), gi);
            gi++;
        }
        if (c.groups().isEmpty()) groups.add(Ui.label("No prunable groups.", "muted"), 0, 0, 3, 1);

        GridPane layers = new GridPane();
        layers.setId("compareLayers");
        barGrid(layers);
        int index = 0;
        for (CandidateComparison.LayerRow l : c.layers()) {
            rowName(layers, 2 * index, l.layer(), l.layer());
            precisionBar(layers, 2 * index, "a", l.precisionA(), index);
            precisionBar(layers, 2 * index + 1, "b", l.precisionB(), index);
            index++;
        }
        if (c.layers().isEmpty()) layers.add(Ui.label("No layer can be quantized.", "muted"), 0, 0, 3, 1);

        long prunedA = c.a().groups().stream().filter(CandidateDetail.GroupKeep::pruned).count();
        long prunedB = c.b().groups().stream().filter(CandidateDetail.GroupKeep::pruned).count();
        VBox groupsCard = Ui.card("Kept per group · " + prunedA + " and " + prunedB + " pruned", groups);
        VBox layersCard = Ui.card("Layer precision · " + c.a().precisions().size() + " and " + c.b().precisions().size() + " below float32", layers);
        HBox lower = new HBox(16, groupsCard, layersCard);
        HBox.setHgrow(groupsCard, Priority.ALWAYS);
        HBox.setHgrow(layersCard, Priority.ALWAYS);
        groupsCard.setMaxWidth(Double.MAX_VALUE);
        layersCard.setMaxWidth(Double.MAX_VALUE);
        groupsCard.setPrefWidth(480);
        layersCard.setPrefWidth(480);

        VBox box = new VBox(14, new VBox(2, head, sub), Ui.card("Figures", figures(c)), lower);
        box.getStyleClass().add("compare-box");
        return box;
    }

    /**
     * A layer path short enough for a row that still tells the layers apart: the operator at the end and the
     * outermost scope dropped ("/encoder/layer.0/intermediate/dense/MatMul" → "layer.0/intermediate/dense"),
     * the middle cut beyond {@code 34} characters ("layer.0/…/self/query").
     */
    static String compactName(String name) {
        List<String> parts = new java.util.ArrayList<>(java.util.Arrays.stream(name.split("/")).filter(p -> !p.isEmpty()).toList());
        if (parts.size() > 1 && parts.getLast().matches("[A-Z][A-Za-z]*(_\\d+)?")) parts.removeLast(); // "MatMul", "Gemm_3"
        if (parts.size() > 3) parts.removeFirst();
        String joined = String.join("/", parts);
        if (joined.length() <= 34 || parts.size() < 3) return joined.isEmpty() ? name : joined;
        return parts.getFirst() + "/…/" + parts.get(parts.size() - 2) + "/" + parts.getLast();
    }

    private static String describe(CandidateDetail d) {
        String s = "#" + d.id() + ": " + d.record().origin() + ", generation " + d.record().generation();
        if (d.original()) s += ", the original";
        if (d.pareto()) s += ", on the Pareto front";
        return s;
    }

    private static GridPane figures(CandidateComparison c) {
        GridPane g = new GridPane();
        g.setId("compareFigures");
        g.setHgap(24);
        g.setVgap(7);
        ColumnConstraints label = new ColumnConstraints();
        label.setMinWidth(150);
        ColumnConstraints value = new ColumnConstraints();
        value.setMinWidth(110);
        value.setHalignment(HPos.RIGHT);
        ColumnConstraints value2 = new ColumnConstraints();
        value2.setMinWidth(110);
        value2.setHalignment(HPos.RIGHT);
        g.getColumnConstraints().addAll(label, value, value2, new ColumnConstraints());
        g.addRow(0, Ui.label("", "figure-label"), Ui.label("#" + c.a().id(), "compare-a"), Ui.label("#" + c.b().id(), "compare-b"),
                Ui.label("#" + c.b().id() + " against #" + c.a().id(), "figure-label"));
        int row = 1;
        for (CandidateComparison.Figure f : c.figures()) {
            Function<Double, String> format = switch (f.key()) {
                case "latency_ms", "latency_p90_ms" -> Formats::ms;
                case "speedup" -> Formats::speedup;
                case "size_bytes" -> v -> Formats.bytes(v.longValue());
                case "parameters" -> v -> Formats.count(v.longValue());
                default -> Formats::quality;
            };
            Label va = Ui.label(f.a() == null ? "–" : format.apply(f.a()), "figure-value");
            Label vb = Ui.label(f.b() == null ? "–" : format.apply(f.b()), "figure-value");
            va.setId("compare-a-" + f.key());
            vb.setId("compare-b-" + f.key());
            Label change = Ui.label(change(f), f.better() > 0 ? "compare-better" : "figure-note");
            change.setId("compare-change-" + f.key());
            g.addRow(row++, Ui.label(f.label(), "figure-label"), va, vb, change);
        }
        return g;
    }

    /** How the second candidate's figure differs from the first's, in words a reader can act on. */
    static String change(CandidateComparison.Figure f) {
        if (f.a() == null || f.b() == null || f.a() == 0) return "";
        if (f.a().equals(f.b())) return "same";
        if (f.key().startsWith("latency")) {
            double ratio = f.a() / f.b();
            return ratio >= 1 ? String.format(Locale.ROOT, "%.2f× faster", ratio) : String.format(Locale.ROOT, "%.2f× slower", 1 / ratio);
        }
        if (f.key().equals("speedup")) return "";
        double rel = (f.b() - f.a()) / Math.abs(f.a()) * 100;
        if (f.key().equals("quality") || f.key().equals("fidelity"))
            return String.format(Locale.ROOT, "%+.4f (%+.2f %%)", f.b() - f.a(), rel);
        return String.format(Locale.ROOT, "%+.1f %%", rel);
    }

    /** The name of a pair of bar rows (candidate A above B), spanning both, shortened from the left. */
    private static void rowName(GridPane grid, int row, String name, String tooltip) {
        Label label = Ui.label(compactName(name), "group-name");
        label.setTooltip(new Tooltip(tooltip));
        label.setTextOverrun(OverrunStyle.LEADING_ELLIPSIS);
        label.setMinWidth(0);
        grid.add(label, 0, row, 1, 2);
    }

    private static void barGrid(GridPane g) {
        g.setHgap(8);
        g.setVgap(2);
        ColumnConstraints name = new ColumnConstraints();
        name.setHgrow(Priority.ALWAYS);
        name.setMinWidth(80);
        name.setPrefWidth(170);
        ColumnConstraints bar = new ColumnConstraints(BAR_WIDTH);
        ColumnConstraints count = new ColumnConstraints();
        count.setMinWidth(64);
        g.getColumnConstraints().addAll(name, bar, count);
    }

    private static void keepBar(GridPane g, int row, String which, CandidateDetail.GroupKeep k, int index) {
        double ratio = k.of() > 0 ? k.kept() / (double) k.of() : k.ratio();
        String count = k.kind().equals("block") && k.kept() == 0 ? "dropped" : k.of() > 0 ? k.kept() + " / " + k.of() : Formats.percent(k.ratio());
        Label text = Ui.label(count, "group-count");
        text.setId("compare-keep-" + which + "-" + index);
        g.add(bar(ratio, which), 1, row);
        g.add(text, 2, row);
    }

    private static void precisionBar(GridPane g, int row, String which, String precision, int index) {
        Label text = Ui.label(precision, "group-count");
        text.setId("compare-precision-" + which + "-" + index);
        // Bar length: bits per weight out of float32's 32.
        int bits = precision.startsWith("int8") ? 8 : precision.startsWith("int4") ? 4 : precision.equals("fp16") ? 16 : 32;
        g.add(bar(bits / 32.0, which), 1, row);
        g.add(text, 2, row);
    }

    /** A track with a fill {@code share} of its width, in the candidate's colour. */
    private static Node bar(double share, String which) {
        Rectangle track = new Rectangle(BAR_WIDTH, 9);
        track.getStyleClass().add("compare-bar-track");
        track.setArcWidth(4);
        track.setArcHeight(4);
        Rectangle fill = new Rectangle(Math.max(0, Math.min(1, share)) * BAR_WIDTH, 9);
        fill.getStyleClass().add("compare-bar-" + which);
        fill.setArcWidth(4);
        fill.setArcHeight(4);
        Pane p = new Pane(track, fill);
        p.setPrefSize(BAR_WIDTH, 12);
        p.setMinSize(BAR_WIDTH, 12);
        p.setMaxSize(BAR_WIDTH, 12);
        track.setY(1.5);
        fill.setY(1.5);
        p.setPadding(new Insets(0));
        return p;
    }
}
