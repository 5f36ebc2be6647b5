package dev.lathe.ui.app;

import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Opens the window, or says in one line why it cannot and what to do instead. Without a display, or without GTK 3
 * on Linux, JavaFX would die with a stack trace from its glass layer; a user wants the fix, not the trace.
 */
public final class WindowStart {
    static final String CLI_HINT = "the command line works without one: java -jar lathe.jar --help";

    // Held so the logger (and the level set on it) is not collected before JavaFX logs through it.
    private static final Logger JAVAFX_LOG = Logger.getLogger("javafx");

    private WindowStart() {}

    /** Opens the workbench and returns 0 when it closes, or prints why it cannot open and returns 1. */
    public static int launch(String[] args) {
        String noWindow = whyNoWindow(System.getenv(), System.getProperty("os.name", ""));
        if (noWindow != null) {
            System.err.println("lathe: " + noWindow);
            return 1;
        }
        // JavaFX warns that it was loaded from the class path ("Unsupported JavaFX configuration") on every
        // start from the jar; that is how the jar is meant to run, so the warning says nothing to a user.
        JAVAFX_LOG.setLevel(Level.SEVERE);
        try {
            LatheApp.launchApp(args);
            return 0;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            String why = explain(e);
            if (why == null) throw e;
            System.err.println("lathe: " + why);
            return 1;
        }
    }

    /** Why no window can open here, judged from the environment before JavaFX starts; null when one may. */
    static String whyNoWindow(Map<String, String> env, String osName) {
        String os = osName.toLowerCase(Locale.ROOT);
        boolean x11OrWayland = os.contains("linux") || os.contains("bsd");
        if (!x11OrWayland) return null;
        if (blank(env.get("DISPLAY")) && blank(env.get("WAYLAND_DISPLAY")))
            return "no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); start Lathe in a desktop session, or use "
                    + CLI_HINT;
        return null;
    }

    /** The one-line reason for a JavaFX start-up failure, or null when it is not one we can explain. */
    static String explain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("Unable to load glass GTK library") || m.contains("libgtk"))
                return "the window needs GTK 3, which is not installed (on Debian or Ubuntu: sudo apt install libgtk-3-0); " + CLI_HINT;
            if (m.contains("Unable to open DISPLAY"))
                return "cannot open the display " + String.valueOf(System.getenv("DISPLAY")) + "; check that it is running and you may use it, or use " + CLI_HINT;
        }
        return null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
