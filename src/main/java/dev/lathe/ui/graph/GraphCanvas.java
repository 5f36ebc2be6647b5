package dev.lathe.ui.graph;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.geometry.VPos;
import javafx.scene.Cursor;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.scene.text.TextAlignment;

import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a laid-out graph on one {@link Canvas} the size of the view, visiting only the layers and nodes that
 * fall inside it (so a graph of thousands of nodes pans as smoothly as a small one), with less detail when
 * zoomed far out. Zooms with the wheel around the pointer, pans by dragging or with the arrow keys, selects a
 * node on click.
 */
final class GraphCanvas extends Region {
    static final double MIN_SCALE = 0.002, MAX_SCALE = 4, HOME_SCALE = 0.9;
    private static final Color EDGE = Color.web("#9aa5b1");
    private static final Color EDGE_SELECTED = Color.web("#2f6fde");
    private static final Color BACKGROUND = Color.web("#fbfcfd");
    private static final Color TEXT = Color.web("#1f2933");
    private static final Color MATCH = Color.web("#f59f00");
    /** Fill colours by family of operator, as graph viewers usually do: layers blue, activations red, and so on. */
    private static final Map<String, Color> FAMILY = Map.ofEntries(
            Map.entry("layer", Color.web("#cfe0fb")), Map.entry("activation", Color.web("#fbd5d0")),
            Map.entry("norm", Color.web("#d3efd9")), Map.entry("shape", Color.web("#e6e9ee")),
            Map.entry("math", Color.web("#fdebc8")), Map.entry("quant", Color.web("#e7dbfa")),
            Map.entry("io", Color.web("#3d4752")), Map.entry("other", Color.web("#eef1f5")));

    private final Canvas canvas = new Canvas();
    private final IntegerProperty selected = new SimpleIntegerProperty(-1);
    private GraphModel model;
    private GraphLayout layout;
    private Color[] fill;
    private BitSet matches = new BitSet();
    private GraphOverlay overlay = GraphOverlay.NONE;
    private final Font badgeFont = Font.font("System", FontWeight.BOLD, 9);
    private double scale = 1, tx, ty;
    private double pressX, pressY, pressTx, pressTy;
    private boolean dragged;
    private final Font opFont = Font.font("System", FontWeight.BOLD, 12);
    private final Font nameFont = Font.font("System", 10);
    /** Nodes drawn in the last frame (for tests and the status line). */
    private int drawnNodes;

    GraphCanvas() {
        getChildren().add(canvas);
        getStyleClass().add("graph-canvas-pane");
        setFocusTraversable(true);
        setMinSize(100, 100);
        setOnScroll(this::onScroll);
        setOnMousePressed(this::onPressed);
        setOnMouseDragged(this::onDragged);
        setOnMouseReleased(this::onReleased);
        addEventHandler(KeyEvent.KEY_PRESSED, this::onKey);
        selected.addListener(o -> redraw());
    }

    /** The selected node's id, or -1. */
    IntegerProperty selectedProperty() { return selected; }

    GraphLayout graphLayout() { return layout; }

    double scale() { return scale; }

    int drawnNodes() { return drawnNodes; }

    /** Shows {@code g} laid out as {@code l}, its top centred at a readable zoom. */
    void show(GraphModel g, GraphLayout l) {
        model = g;
        layout = l;
        matches = new BitSet();
        selected.set(-1);
        fill = g == null ? null : new Color[g.nodes().size()];
        if (g != null) for (GraphModel.Node n : g.nodes()) fill[n.id()] = FAMILY.get(family(n));
        overlay = GraphOverlay.NONE; // the old one is per node of the old graph; the view sets the new graph's
        home();
    }

    /** Paints an overlay (heat or changes, badges, greyed nodes, legend) over the graph shown. */
    void setOverlay(GraphOverlay o) {
        overlay = o == null ? GraphOverlay.NONE : o;
        redraw();
    }

    GraphOverlay overlay() { return overlay; }

    /** The current drawing as an image (File ▸ Export graph… as PNG). */
    javafx.scene.image.WritableImage snapshot() {
        return canvas.snapshot(null, null);
    }

    /** The fill a node is drawn with under the current overlay. */
    Color fillOf(int v) {
        if (overlay.fill() == null) return fill[v];
        Color c = overlay.fill()[v];
        return c != null ? c : model.node(v).kind() == GraphModel.Kind.OPERATOR ? GraphOverlay.NO_DATA : fill[v];
    }

    /** Nodes to outline as matches of the find field. */
    void setMatches(BitSet m) {
        matches = m;
        redraw();
    }

    /** The top of the graph at a readable zoom, centred on its first layers (where the inputs enter). */
    void home() {
        if (layout == null || layout.layerCount == 0) {
            redraw();
            return;
        }
        double w = Math.max(1, getWidth());
        scale = HOME_SCALE;
        double sum = 0;
        int count = 0;
        for (int l = 0; l < Math.min(6, layout.layerCount); l++)
            for (int v : layout.layerNodes[l]) {
                sum += layout.x[v];
                count++;
            }
        tx = w / 2 - (sum / Math.max(1, count)) * scale;
        ty = 0;
        redraw();
    }

    /** The whole graph in view. */
    void fit() {
        if (layout == null) return;
        double w = Math.max(1, getWidth()), h = Math.max(1, getHeight());
        scale = clamp(Math.min(w / layout.totalWidth, h / layout.totalHeight), MIN_SCALE, 1.5);
        tx = (w - layout.totalWidth * scale) / 2;
        ty = (h - layout.totalHeight * scale) / 2;
        redraw();
    }

    void zoom(double factor) {
        zoomAt(getWidth() / 2, getHeight() / 2, factor);
    }

    /** Zooms keeping the world point under ({@code sx}, {@code sy}) where it is. */
    void zoomAt(double sx, double sy, double factor) {
        double next = clamp(scale * factor, MIN_SCALE, MAX_SCALE);
        double wx = (sx - tx) / scale, wy = (sy - ty) / scale;
        scale = next;
        tx = sx - wx * scale;
        ty = sy - wy * scale;
        redraw();
    }

    /** Puts node {@code id} in the middle of the view, zooming in to a readable size first if need be. */
    void centreOn(int id) {
        if (layout == null || id < 0) return;
        if (scale < 0.8) scale = 1.0;
        tx = getWidth() / 2 - layout.x[id] * scale;
        ty = getHeight() / 2 - layout.y[id] * scale;
        redraw();
    }

    /** Where node {@code id}'s centre is on the canvas now. */
    double[] screenPosition(int id) {
        return new double[] {layout.x[id] * scale + tx, layout.y[id] * scale + ty};
    }

    @Override
    protected void layoutChildren() {
        double w = getWidth(), h = getHeight();
        if (canvas.getWidth() != w || canvas.getHeight() != h) {
            boolean first = canvas.getWidth() <= 1;
            canvas.setWidth(w);
            canvas.setHeight(h);
            if (first) home();
            else redraw();
        }
    }

    private void onScroll(ScrollEvent e) {
        if (layout == null || e.getDeltaY() == 0) return;
        zoomAt(e.getX(), e.getY(), Math.pow(1.0025, e.getDeltaY())); // one wheel notch (40) ≈ 10%; Ctrl+wheel the same
        e.consume();
    }

    private void onPressed(MouseEvent e) {
        requestFocus();
        pressX = e.getX();
        pressY = e.getY();
        pressTx = tx;
        pressTy = ty;
        dragged = false;
    }

    private void onDragged(MouseEvent e) {
        if (Math.abs(e.getX() - pressX) + Math.abs(e.getY() - pressY) > 3) dragged = true;
        if (!dragged) return;
        setCursor(Cursor.CLOSED_HAND);
        tx = pressTx + e.getX() - pressX;
        ty = pressTy + e.getY() - pressY;
        redraw();
    }

    private void onReleased(MouseEvent e) {
        setCursor(Cursor.DEFAULT);
        if (dragged || e.getButton() != MouseButton.PRIMARY || layout == null) return;
        selected.set(layout.nodeAt((e.getX() - tx) / scale, (e.getY() - ty) / scale));
    }

    private void onKey(KeyEvent e) {
        if (e.isShortcutDown() || e.isAltDown()) return;
        double step = 80;
        switch (e.getCode()) {
            case PLUS, ADD, EQUALS -> zoom(1.25);
            case MINUS, SUBTRACT -> zoom(0.8);
            case DIGIT0, NUMPAD0 -> fit();
            case LEFT -> pan(step, 0);
            case RIGHT -> pan(-step, 0);
            case UP -> pan(0, step);
            case DOWN -> pan(0, -step);
            default -> {
                return;
            }
        }
        e.consume();
    }

    /** Moves the view by a screen distance (drag, arrow keys, and the frame-time test). */
    void pan(double dx, double dy) {
        tx += dx;
        ty += dy;
        redraw();
    }

    void redraw() {
        GraphicsContext gc = canvas.getGraphicsContext2D();
        double w = canvas.getWidth(), h = canvas.getHeight();
        gc.setTransform(1, 0, 0, 1, 0, 0);
        gc.setFill(BACKGROUND);
        gc.fillRect(0, 0, w, h);
        drawnNodes = 0;
        if (layout == null || layout.layerCount == 0) return;
        double left = -tx / scale, right = (w - tx) / scale, top = -ty / scale, bottom = (h - ty) / scale;
        int first = layout.layerAt(top) , last = layout.layerAt(bottom);
        gc.setTransform(scale, 0, 0, scale, tx, ty);

        // Edges: the segments between visible layers, then straight ones whose box meets the view.
        gc.setStroke(EDGE);
        gc.setLineWidth(1.2 / scale); // the same on screen at every zoom
        boolean curves = scale > 0.2;
        double gapH = GraphLayout.LAYER_GAP;
        gc.beginPath();
        for (int l = Math.max(0, first - 1); l <= last && l < layout.layerCount - 1; l++) {
            float[] a = layout.bandFromX[l], b = layout.bandToX[l];
            double y0 = layout.layerTop[l] + GraphLayout.NODE_HEIGHT, y1 = layout.layerTop[l + 1];
            for (int i = 0; i < a.length; i++) {
                if (Math.max(a[i], b[i]) < left || Math.min(a[i], b[i]) > right) continue;
                gc.moveTo(a[i], y0);
                if (curves) gc.bezierCurveTo(a[i], y0 + gapH * 0.5, b[i], y1 - gapH * 0.5, b[i], y1);
                else gc.lineTo(b[i], y1);
            }
        }
        for (int l = first; l <= last; l++) {
            double y0 = layout.layerTop[l], y1 = y0 + GraphLayout.NODE_HEIGHT;
            for (float px : layout.passX[l]) {
                if (px < left || px > right) continue;
                gc.moveTo(px, y0);
                gc.lineTo(px, y1);
            }
        }
        for (int e : layout.straightEdges) {
            float[] rx = layout.routeX[e], ry = layout.routeY[e];
            if (Math.max(rx[0], rx[1]) < left || Math.min(rx[0], rx[1]) > right || Math.max(ry[0], ry[1]) < top || Math.min(ry[0], ry[1]) > bottom) continue;
            gc.moveTo(rx[0], ry[0]);
            gc.lineTo(rx[1], ry[1]);
        }
        gc.stroke();

        int sel = selected.get();
        if (sel >= 0 && model != null) {
            gc.setStroke(EDGE_SELECTED);
            gc.setLineWidth(2.4 / scale);
            gc.beginPath();
            for (int e = 0; e < model.edges().size(); e++) {
                GraphModel.Edge edge = model.edges().get(e);
                if (edge.from() != sel && edge.to() != sel) continue;
                float[] rx = layout.routeX[e], ry = layout.routeY[e];
                gc.moveTo(rx[0], ry[0]);
                for (int i = 1; i < rx.length; i++) {
                    if (curves && i % 2 == 1) gc.bezierCurveTo(rx[i - 1], ry[i - 1] + (ry[i] - ry[i - 1]) * 0.5, rx[i], ry[i] - (ry[i] - ry[i - 1]) * 0.5, rx[i], ry[i]);
                    else gc.lineTo(rx[i], ry[i]);
                }
            }
            gc.stroke();
        }

        // Nodes of the visible layers, from the first one reaching the left edge to the last before the right.
        boolean detailed = scale >= 0.3, text = scale >= 0.45;
        double nh = GraphLayout.NODE_HEIGHT;
        gc.setTextAlign(TextAlignment.CENTER);
        gc.setTextBaseline(VPos.CENTER);
        for (int l = first; l <= last; l++) {
            int[] row = layout.layerNodes[l];
            double yTop = layout.layerTop[l];
            for (int i = layout.firstVisible(l, left); i < row.length; i++) {
                int v = row[i];
                double bw = layout.width[v], x0 = layout.x[v] - bw / 2;
                if (x0 > right) break;
                drawnNodes++;
                GraphModel.Node node = model.node(v);
                boolean io = node.kind() != GraphModel.Kind.OPERATOR;
                boolean grey = overlay.greyed().get(v);
                gc.setGlobalAlpha(grey ? 0.35 : 1);
                gc.setFill(fillOf(v));
                if (detailed) {
                    gc.fillRoundRect(x0, yTop, bw, nh, io ? nh : 8, io ? nh : 8);
                    if (v == sel || matches.get(v)) {
                        gc.setStroke(v == sel ? EDGE_SELECTED : MATCH);
                        gc.setLineWidth(v == sel ? 3 : 2.5);
                        gc.strokeRoundRect(x0 - 1.5, yTop - 1.5, bw + 3, nh + 3, io ? nh : 10, io ? nh : 10);
                    }
                } else {
                    if (v == sel || matches.get(v)) { // a halo a few pixels wide, drawn under the box
                        gc.setFill(v == sel ? EDGE_SELECTED : MATCH);
                        double pad = 4 / scale;
                        gc.fillRect(x0 - pad, yTop - pad, bw + 2 * pad, nh + 2 * pad);
                        gc.setFill(fillOf(v));
                    }
                    gc.fillRect(x0, yTop, bw, nh);
                }
                if (text) {
                    gc.setFill(io ? Color.WHITE : TEXT);
                    gc.setFont(opFont);
                    boolean withName = !io && scale >= 0.9;
                    gc.fillText(node.label(), layout.x[v], yTop + (withName ? nh * 0.36 : nh / 2), bw - 10);
                    if (withName) {
                        gc.setFont(nameFont);
                        gc.setFill(Color.web("#52606d"));
                        gc.fillText(shortName(node.caption(), bw), layout.x[v], yTop + nh * 0.72, bw - 8);
                    }
                    String badge = overlay.badge() == null ? null : overlay.badge()[v];
                    if (badge != null) OverlayPainter.badge(gc, badgeFont, badge, x0 + bw, yTop);
                }
                gc.setGlobalAlpha(1);
            }
        }
        gc.setTransform(1, 0, 0, 1, 0, 0);
        if (overlay.legend() != null) OverlayPainter.legend(gc, nameFont, overlay.legend(), h);
    }

    /** The end of a caption, as much as fits the box ("…_embeddings/Gather"). */
    static String shortName(String name, double boxWidth) {
        int fits = Math.max(6, (int) ((boxWidth - 12) / 5.8));
        return name.length() <= fits ? name : "…" + name.substring(name.length() - fits + 1);
    }

    static String family(GraphModel.Node n) {
        if (n.kind() != GraphModel.Kind.OPERATOR) return "io";
        String op = n.opType().toLowerCase(Locale.ROOT);
        if (op.contains("quant") || op.contains("integer")) return "quant";
        if (op.contains("conv") || op.contains("matmul") || op.equals("gemm") || op.contains("attention") || op.equals("gather")
                && n.inputs().size() == 2 && n.name().toLowerCase(Locale.ROOT).contains("embed")) return "layer";
        if (op.contains("norm")) return "norm";
        if (switch (op) {
            case "relu", "gelu", "sigmoid", "tanh", "softmax", "logsoftmax", "leakyrelu", "elu", "selu", "hardsigmoid", "hardswish",
                 "silu", "mish", "erf", "prelu", "softplus", "clip" -> true;
            default -> false;
        }) return "activation";
        if (switch (op) {
            case "shape", "gather", "unsqueeze", "squeeze", "concat", "reshape", "transpose", "slice", "split", "flatten", "expand",
                 "constant", "constantofshape", "cast", "identity", "range", "where", "equal", "tile", "gatherelements", "scatternd",
                 "nonzero", "pad", "resize" -> true;
            default -> false;
        }) return "shape";
        if (switch (op) {
            case "add", "sub", "mul", "div", "pow", "sqrt", "reducemean", "reducesum", "reducemax", "neg", "exp", "log", "abs",
                 "max", "min", "maxpool", "averagepool", "globalaveragepool" -> true;
            default -> false;
        }) return "math";
        return "other";
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
