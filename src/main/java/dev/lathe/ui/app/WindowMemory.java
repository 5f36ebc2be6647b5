package dev.lathe.ui.app;

import javafx.animation.PauseTransition;
import javafx.geometry.Rectangle2D;
import javafx.stage.Screen;
import javafx.stage.Stage;
import javafx.stage.WindowEvent;
import javafx.util.Duration;

/**
 * Puts the window back where it was: bounds and maximised state are saved (debounced, and on closing) to the
 * preferences, and restored at start when they still fall on a screen of this machine, shrunk to fit it.
 */
public final class WindowMemory {
    /** How much of the window must lie on a screen for the saved position to be used. */
    private static final double VISIBLE_MIN = 120;

    private final Stage stage;
    private final UiPreferences prefs;
    private final PauseTransition debounce = new PauseTransition(Duration.millis(400));
    /** The bounds of the window when last neither maximised nor iconified: what a maximised window returns to. */
    private Rectangle2D normal;

    private WindowMemory(Stage stage, UiPreferences prefs) {
        this.stage = stage;
        this.prefs = prefs;
    }

    /** Restores the saved bounds onto {@code stage} (call before showing it), then keeps them saved. */
    static WindowMemory attach(Stage stage, UiPreferences prefs) {
        WindowMemory m = new WindowMemory(stage, prefs);
        m.restore();
        m.track();
        return m;
    }

    private void restore() {
        prefs.windowBounds().ifPresent(b -> {
            Rectangle2D screen = screenShowing(b);
            if (screen == null) return;
            double w = Math.min(b.width(), screen.getWidth()), h = Math.min(b.height(), screen.getHeight());
            double x = Math.max(screen.getMinX(), Math.min(b.x(), screen.getMaxX() - w));
            double y = Math.max(screen.getMinY(), Math.min(b.y(), screen.getMaxY() - h));
            stage.setX(x);
            stage.setY(y);
            stage.setWidth(w);
            stage.setHeight(h);
            normal = new Rectangle2D(x, y, w, h);
            if (b.maximized()) stage.setMaximized(true);
        });
    }

    /** The visual bounds of the screen that shows enough of {@code b}, or null when none does (a screen unplugged). */
    public static Rectangle2D screenShowing(UiPreferences.WindowBounds b) {
        for (Screen s : Screen.getScreens()) {
            Rectangle2D v = s.getVisualBounds();
            double ix = Math.min(v.getMaxX(), b.x() + b.width()) - Math.max(v.getMinX(), b.x());
            double iy = Math.min(v.getMaxY(), b.y() + b.height()) - Math.max(v.getMinY(), b.y());
            if (ix >= Math.min(VISIBLE_MIN, b.width()) && iy >= Math.min(VISIBLE_MIN / 2, b.height())) return v;
        }
        return null;
    }

    private void track() {
        debounce.setOnFinished(e -> save());
        for (var p : java.util.List.of(stage.xProperty(), stage.yProperty(), stage.widthProperty(), stage.heightProperty()))
            p.addListener(o -> changed());
        stage.maximizedProperty().addListener(o -> debounce.playFromStart());
        stage.addEventHandler(WindowEvent.WINDOW_HIDING, e -> save());
    }

    private void changed() {
        if (!stage.isMaximized() && !stage.isIconified() && !stage.isFullScreen())
            normal = new Rectangle2D(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight());
        debounce.playFromStart();
    }

    /** Writes the bounds now: on quitting, or from tests. */
    public void save() {
        debounce.stop();
        Rectangle2D r = normal != null ? normal : new Rectangle2D(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight());
        if (r.getWidth() <= 0 || r.getHeight() <= 0 || Double.isNaN(r.getWidth())) return;
        prefs.saveWindowBounds(new UiPreferences.WindowBounds(r.getMinX(), r.getMinY(), r.getWidth(), r.getHeight(), stage.isMaximized()));
        prefs.flush();
    }
}
