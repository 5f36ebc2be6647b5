package dev.lathe.ui.common;

import javafx.scene.SnapshotParameters;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.Image;
import javafx.scene.image.WritableImage;
import javafx.scene.paint.Color;
import javafx.scene.paint.CycleMethod;
import javafx.scene.paint.LinearGradient;
import javafx.scene.paint.Stop;
import javafx.scene.shape.StrokeLineCap;

import java.util.ArrayList;
import java.util.List;

/**
 * The Lathe icon, drawn in code so the window has one without packaged resources: a turned workpiece between
 * the lathe's centres, with the cutting tool at its edge, on a dark blue tile. {@code assets/lathe.png} is
 * this drawing at 256 pixels. Call on the FX thread.
 */
public final class LatheIcon {
    private LatheIcon() {}

    /** The icon at the sizes window managers ask for. */
    public static List<Image> images() {
        List<Image> out = new ArrayList<>();
        for (int s : new int[] {16, 24, 32, 48, 64, 128, 256}) out.add(render(s));
        return out;
    }

    public static Image render(double size) {
        Canvas c = new Canvas(size, size);
        GraphicsContext g = c.getGraphicsContext2D();
        g.scale(size / 256.0, size / 256.0);
        draw(g);
        SnapshotParameters p = new SnapshotParameters();
        p.setFill(Color.TRANSPARENT);
        WritableImage img = new WritableImage((int) size, (int) size);
        return c.snapshot(p, img);
    }

    /** Workpiece radius along its length, t from 0 (headstock) to 1 (tailstock): a bead, a cove and a taper. */
    private static double radius(double t) {
        double bead = 20 * Math.exp(-Math.pow((t - 0.22) / 0.12, 2));
        double cove = -13 * Math.exp(-Math.pow((t - 0.52) / 0.11, 2));
        double ball = 14 * Math.exp(-Math.pow((t - 0.8) / 0.1, 2));
        return 30 + bead + cove + ball - 6 * t;
    }

    static void draw(GraphicsContext g) {
        // Tile
        g.setFill(new LinearGradient(0, 0, 1, 1, true, CycleMethod.NO_CYCLE,
                new Stop(0, Color.web("#3563b8")), new Stop(1, Color.web("#152544"))));
        g.fillRoundRect(8, 8, 240, 240, 56, 56);
        g.setStroke(Color.web("#ffffff", 0.12));
        g.setLineWidth(3);
        g.strokeRoundRect(9.5, 9.5, 237, 237, 54, 54);

        double cy = 112, x0 = 56, x1 = 200;
        // Centres (headstock and tailstock points)
        g.setFill(Color.web("#c9d3e3"));
        g.fillPolygon(new double[] {22, x0 + 2, 22}, new double[] {cy - 16, cy, cy + 16}, 3);
        g.fillPolygon(new double[] {234, x1 - 2, 234}, new double[] {cy - 16, cy, cy + 16}, 3);
        g.setFill(Color.web("#9fb0c9"));
        g.fillRect(14, cy - 26, 12, 52);
        g.fillRect(230, cy - 26, 12, 52);

        // Workpiece: a turned profile, shaded like a cylinder
        int n = 96;
        double[] xs = new double[2 * n + 2];
        double[] ys = new double[2 * n + 2];
        for (int i = 0; i <= n; i++) {
            double t = i / (double) n;
            double x = x0 + t * (x1 - x0);
            double r = radius(t);
            xs[i] = x;
            ys[i] = cy - r;
            xs[2 * n + 1 - i] = x;
            ys[2 * n + 1 - i] = cy + r;
        }
        g.setFill(new LinearGradient(0, cy - 52, 0, cy + 52, false, CycleMethod.NO_CYCLE,
                new Stop(0, Color.web("#ffe2a6")), new Stop(0.35, Color.web("#f4b24a")),
                new Stop(0.75, Color.web("#c97812")), new Stop(1, Color.web("#8d4f06"))));
        g.fillPolygon(xs, ys, xs.length);
        // Turning rings
        g.setStroke(Color.web("#7a4305", 0.35));
        g.setLineWidth(2);
        for (double t : new double[] {0.1, 0.34, 0.52, 0.68, 0.92}) {
            double x = x0 + t * (x1 - x0), r = radius(t);
            g.strokeLine(x, cy - r + 2, x, cy + r - 2);
        }
        // Highlight: a band following the upper contour
        g.setStroke(Color.web("#fff6e0", 0.75));
        g.setLineWidth(4);
        g.setLineCap(StrokeLineCap.ROUND);
        g.beginPath();
        for (int i = 3; i <= n - 3; i++) {
            double t = i / (double) n;
            double x = x0 + t * (x1 - x0), y = cy - radius(t) + 9;
            if (i == 3) g.moveTo(x, y); else g.lineTo(x, y);
        }
        g.stroke();

        // Tool rest and cutting tool, touching the cove from below
        double tipT = 0.52, tipX = x0 + tipT * (x1 - x0), tipY = cy + radius(tipT) + 2;
        g.setFill(Color.web("#5d6f8c"));
        g.fillRoundRect(64, 176, 128, 11, 6, 6);
        g.setFill(new LinearGradient(0, 0, 1, 0, true, CycleMethod.NO_CYCLE,
                new Stop(0, Color.web("#f4f7fb")), new Stop(1, Color.web("#b8c4d6"))));
        g.fillPolygon(new double[] {tipX - 3, tipX + 5, tipX + 34, tipX + 20},
                new double[] {tipY, tipY - 2, tipY + 66, tipY + 70}, 4);
        g.setFill(Color.web("#22304a"));
        g.fillRoundRect(tipX + 15, tipY + 56, 24, 40, 8, 8);

        // A shaving curling off the cut
        g.setStroke(Color.web("#ffd27a"));
        g.setLineWidth(3.5);
        g.beginPath();
        g.moveTo(tipX - 1, tipY + 3);
        for (int i = 60; i >= 0; i--) {
            double a = i / 60.0 * 3.2 * Math.PI, rr = 2 + i * 0.17;
            g.lineTo(tipX - 12 + rr * Math.cos(a + Math.PI / 2), tipY + 24 + rr * Math.sin(a + Math.PI / 2) * 0.85);
        }
        g.stroke();
    }
}
