package dev.lathe.ui.graph;

import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;

/** Draws an overlay's badges (in world space, on a box's corner) and its legend (in screen space) on the graph canvas. */
final class OverlayPainter {
    static final Color TEXT = Color.web("#1f2933");

    private OverlayPainter() {}

    /** A badge sitting on the top-right corner of a box. */
    static void badge(GraphicsContext gc, Font badgeFont, String text, double right, double top) {
        double bw = Math.min(150, 10 + text.length() * 5.6), bh = 14;
        gc.setFill(Color.web("#1f2933"));
        gc.fillRoundRect(right - bw + 6, top - bh / 2 - 2, bw, bh, 7, 7);
        gc.setFill(Color.WHITE);
        gc.setFont(badgeFont);
        gc.fillText(text, right - bw / 2 + 6, top - 2, bw - 4);
    }

    /** The legend at the bottom left, in screen space: a heat bar from low to high, or swatches of the categories. */
    static void legend(GraphicsContext gc, Font nameFont, GraphOverlay.Legend legend, double h) {
        boolean heat = legend.low() != null;
        int rows = heat ? 1 : legend.names().size();
        double boxW = 300, boxH = 30 + (heat ? 22 : rows * 17), x = 12, y = h - boxH - 12;
        gc.setFill(Color.color(1, 1, 1, 0.92));
        gc.fillRoundRect(x, y, boxW, boxH, 8, 8);
        gc.setStroke(Color.web("#9aa5b1"));
        gc.setLineWidth(1);
        gc.strokeRoundRect(x, y, boxW, boxH, 8, 8);
        gc.setTextAlign(TextAlignment.LEFT);
        gc.setFill(TEXT);
        gc.setFont(nameFont);
        gc.fillText(legend.title(), x + 8, y + 12, boxW - 16);
        if (heat) {
            double bx = x + 60, bwid = boxW - 120, by = y + 22;
            for (int i = 0; i < 60; i++) {
                gc.setFill(GraphOverlay.heat(i / 59.0));
                gc.fillRect(bx + i * bwid / 60, by, bwid / 60 + 0.5, 12);
            }
            gc.setFill(TEXT);
            gc.fillText(legend.low(), x + 8, by + 6, 50);
            gc.fillText(legend.high(), bx + bwid + 6, by + 6, 56);
        } else {
            for (int i = 0; i < rows; i++) {
                double ry = y + 22 + i * 17;
                gc.setFill(legend.colours().get(i));
                gc.fillRect(x + 8, ry, 18, 12);
                gc.setFill(TEXT);
                gc.fillText(legend.names().get(i), x + 32, ry + 6, boxW - 40);
            }
        }
        gc.setTextAlign(TextAlignment.CENTER);
    }

}
