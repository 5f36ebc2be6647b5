package dev.lathe.ui.app;

import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.LatheIcon;
import dev.lathe.ui.common.Stylesheets;

import javafx.application.Application;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.stage.Screen;
import javafx.stage.Stage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Lathe desktop workbench. Opens on the start page (or with a model or study named on the command line),
 * accepts dropped .onnx models and .lathe/.sqlite studies, remembers its window and recent files, and keeps all
 * model work off the FX thread.
 */
public class LatheApp extends Application {
    private final UiPreferences prefs;
    private Workbench workbench;
    private MainView view;
    private WindowMemory windowMemory;

    /** The application as launched: remembers into the user's preferences. */
    public LatheApp() {
        this(null);
    }

    /** The application remembering into {@code prefs} (tests pass a node of their own); null means the user's. */
    public LatheApp(UiPreferences prefs) {
        this.prefs = prefs;
    }

    /** Entry point for {@code dev.lathe.Main} when started without arguments. */
    public static void launchApp(String[] args) {
        Application.launch(LatheApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        workbench = new Workbench();
        UiPreferences remembered = prefs != null ? prefs : UiPreferences.user();
        view = new MainView(workbench, remembered);
        // As large as the design wants, but never beyond the screen (small laptops, the 1280x800 headless screen).
        Rectangle2D screen = Screen.getPrimary().getVisualBounds();
        double width = Math.min(1360, screen.getWidth() - 24), height = Math.min(860, screen.getHeight() - 40);
        Scene scene = new Scene(view.root(), width, height);
        scene.getStylesheets().addAll(Stylesheets.all());
        view.installDragAndDrop(scene);
        stage.setScene(scene);
        stage.titleProperty().bind(workbench.titleProperty());
        stage.getIcons().setAll(LatheIcon.images());
        stage.setMinWidth(Math.min(1040, width));
        stage.setMinHeight(Math.min(680, height));
        stage.setOnCloseRequest(e -> workbench.shutdown());
        windowMemory = WindowMemory.attach(stage, remembered);
        stage.show();

        List<String> args = getParameters() == null ? List.of() : getParameters().getUnnamed();
        Path requested = args.stream().map(Path::of).filter(Files::isRegularFile).findFirst().orElse(null);
        if (requested != null) view.open(requested); // otherwise the start page shows recent files and samples
    }

    @Override
    public void stop() {
        if (windowMemory != null) windowMemory.save();
        if (workbench != null) workbench.shutdown();
    }

    /** The application's view model (tests drive it directly where dialogs cannot be). */
    public Workbench workbench() { return workbench; }

    public MainView view() { return view; }

    public WindowMemory windowMemory() { return windowMemory; }
}
