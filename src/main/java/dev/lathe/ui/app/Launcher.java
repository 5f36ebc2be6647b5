package dev.lathe.ui.app;

/**
 * Starts the workbench from a plain class: the java launcher refuses a main class that extends Application
 * when JavaFX sits on the class path rather than the module path, so {@code java -cp … dev.lathe.ui.app.Launcher}
 * is the way to run the UI alone (during development; {@code dev.lathe.Main} does the same for the jar).
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) {
        LatheApp.launchApp(args);
    }
}
