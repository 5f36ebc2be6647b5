package dev.lathe.ui.welcome;

import dev.lathe.SampleModels;
import dev.lathe.TestModels;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.app.LatheApp;
import dev.lathe.ui.app.ShortcutsDialog;
import dev.lathe.ui.app.UiPreferences;
import dev.lathe.ui.app.WindowMemory;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import javafx.scene.control.TabPane;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.Pane;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start page, window memory and keyboard shortcuts, driven headless: recent files seeded into a
 * preferences node of the test's own open when clicked, missing ones are greyed, samples open, everything
 * opened is remembered, and the window's bounds come back in a second window.
 */
@Tag("ui")
class WelcomeViewTest extends WorkbenchUiTest {
    @TempDir
    Path tmp;

    private Stage stage;
    private Path model;
    private Path missingModel;
    private Path study;
    private Path missingStudy;

    @Override
    protected void beforeWindow(Stage stage) throws Exception {
        // A model of the user's own (a copy of the digits MLP elsewhere), one that has gone, and likewise studies.
        model = Files.createDirectories(tmp.resolve("my models")).resolve("mlp.onnx");
        Files.copy(TestModels.digitsMlp(), model);
        missingModel = tmp.resolve("gone/deleted.onnx");
        study = tmp.resolve("mlp-study.sqlite");
        try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
            s.recordOrigin(new dev.lathe.study.StudyOrigin(model.toAbsolutePath().toString(), "0", null, null));
        }
        missingStudy = tmp.resolve("gone/old.sqlite");
        UiPreferences seeded = prefs.open();
        seeded.addRecentModel(missingModel);
        seeded.addRecentModel(model);
        seeded.addRecentStudy(missingStudy);
        seeded.addRecentStudy(study);

        this.stage = stage;
    }


    @Test
    void startPageOpensRecentFilesGreysMissingOnesAndRemembersWhatWasOpened(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        TabPane tabs = app.view().tabs();
        assertEquals("startTab", fx(() -> tabs.getSelectionModel().getSelectedItem().getId()), "the window opens on the start page");
        assertEquals(null, fx(() -> wb.model().path()), "no model is opened behind the user's back");

        // Newest first: the existing model, then the missing one, greyed and marked.
        assertEquals("mlp.onnx", fx(() -> entryName(robot, "#recentModel-0")));
        assertFalse(fx(() -> robot.lookup("#recentModel-0").query().getStyleClass().contains("missing")));
        assertEquals("deleted.onnx", fx(() -> entryName(robot, "#recentModel-1")));
        assertTrue(fx(() -> robot.lookup("#recentModel-1").query().getStyleClass().contains("missing")));
        assertTrue(fx(() -> labels(robot.lookup("#recentModel-1").query()).contains("missing")));
        assertFalse(fx(() -> labels(robot.lookup("#recentModel-0").query()).contains("missing")));
        assertTrue(fx(() -> robot.lookup("#recentStudy-1").query().getStyleClass().contains("missing")));
        // Every bundled sample is offered.
        assertEquals(SampleModels.available().size(), (int) fx(() -> ((Pane) robot.lookup("#welcomeSamples").query()).getChildren().size()));
        assertTrue(SampleModels.available().size() >= 2, "the digits samples are found in the test setup");

        // Clicking a missing entry does nothing; clicking the model opens it on the model tab.
        robot.clickOn("#recentModel-1");
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("startTab", fx(() -> tabs.getSelectionModel().getSelectedItem().getId()));
        robot.clickOn("#recentModel-0");
        waitUntil(60, () -> wb.model().summary() != null);
        assertEquals(model.toAbsolutePath(), fx(() -> wb.model().path().toAbsolutePath()));
        assertEquals("modelTab", fx(() -> tabs.getSelectionModel().getSelectedItem().getId()));

        // Back to the start page with its shortcut, then open the study.
        robot.press(KeyCode.CONTROL, KeyCode.DIGIT1).release(KeyCode.DIGIT1, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("startTab", fx(() -> tabs.getSelectionModel().getSelectedItem().getId()));
        assertEquals("mlp-study.sqlite", fx(() -> entryName(robot, "#recentStudy-0")));
        robot.clickOn("#recentStudy-0");
        waitUntil(60, () -> study.toAbsolutePath().equals(wb.study().file() == null ? null : wb.study().file().toAbsolutePath())
                && !wb.study().loadingProperty().get());
        assertEquals("searchTab", fx(() -> tabs.getSelectionModel().getSelectedItem().getId()));

        // A sample opens too, and does not crowd the recent models (the page lists samples anyway).
        robot.interact(() -> tabs.getSelectionModel().select(0));
        SampleModels.Sample cnn = SampleModels.byName("digits-cnn").orElseThrow();
        robot.clickOn("#sample-digits-cnn");
        waitUntil(60, () -> cnn.model().equals(wb.model().path()) && wb.model().summary() != null);
        assertEquals("modelTab", fx(() -> tabs.getSelectionModel().getSelectedItem().getId()));

        // What was opened is in the preferences, read back afresh; forgetting the missing model removes it.
        UiPreferences reread = prefs.open();
        assertEquals(List.of(model.toAbsolutePath(), missingModel.toAbsolutePath()), reread.recentModels());
        assertEquals(List.of(study.toAbsolutePath(), missingStudy.toAbsolutePath()), reread.recentStudies());
        robot.interact(() -> tabs.getSelectionModel().select(0));
        robot.clickOn(robot.lookup("#recentModel-1 .forget-button").queryButton());
        assertEquals(List.of(model.toAbsolutePath()), prefs.open().recentModels());
        assertFalse(fx(() -> robot.lookup("#recentModel-1").tryQuery().isPresent()));
    }

    @Test
    void windowComesBackWhereItWasLeft(FxRobot robot) throws Exception {
        robot.interact(() -> {
            stage.setX(40);
            stage.setY(30);
            stage.setWidth(1100);
            stage.setHeight(700);
            app.windowMemory().save();
        });
        UiPreferences.WindowBounds saved = prefs.open().windowBounds().orElseThrow();
        assertEquals(new UiPreferences.WindowBounds(40, 30, 1100, 700, false), saved);

        // A second window started with the same preferences takes those bounds.
        Stage second = fx(() -> {
            Stage s = new Stage();
            new LatheApp(prefs.open()).start(s);
            return s;
        });
        try {
            assertEquals(40, fx(second::getX), 0.5);
            assertEquals(30, fx(second::getY), 0.5);
            assertEquals(1100, fx(second::getWidth), 0.5);
            assertEquals(700, fx(second::getHeight), 0.5);
        } finally {
            robot.interact(second::close);
        }

        // Bounds saved on a screen this machine lacks are not used: the window stays on screen.
        assertEquals(null, WindowMemory.screenShowing(new UiPreferences.WindowBounds(9000, 9000, 800, 600, false)));
    }

    @Test
    void fileDialogsRememberTheirOwnFolders() throws Exception {
        UiPreferences p = prefs.open();
        Path data = Files.createDirectories(tmp.resolve("data"));
        p.rememberFolder("data", data.resolve("test.csv"));
        p.rememberFolder("export", tmp);
        UiPreferences reread = prefs.open();
        assertEquals(data.toAbsolutePath(), reread.folder("data").orElseThrow());
        assertEquals(tmp.toAbsolutePath(), reread.folder("export").orElseThrow());
        assertTrue(reread.folder("model").isEmpty(), "a dialog never used has no folder");
        Files.delete(data);
        assertTrue(prefs.open().folder("data").isEmpty(), "a folder that has gone is not offered");
    }

    @Test
    void keyboardShortcutsAreListedFromTheMenus(FxRobot robot) throws Exception {
        List<ShortcutsDialog.Shortcut> all = fx(() -> ShortcutsDialog.list(robot.lookup("#menuBar").queryAs(MenuBar.class)));
        assertTrue(all.contains(new ShortcutsDialog.Shortcut("File", "Open model", "Ctrl+O")), all::toString);
        assertTrue(all.contains(new ShortcutsDialog.Shortcut("File", "Open study", "Ctrl+Shift+O")), all::toString);
        assertTrue(all.stream().anyMatch(s -> s.action().equals("Export selected candidate") && s.keys().equals("Ctrl+E")), all::toString);
        assertTrue(all.stream().anyMatch(s -> s.action().equals("Start search") && s.keys().equals("Ctrl+R")), all::toString);
        assertTrue(all.stream().anyMatch(s -> s.action().equals("Stop search")), all::toString);

        // Ctrl+/ opens the list in a window of its own.
        robot.press(KeyCode.CONTROL, KeyCode.SLASH).release(KeyCode.SLASH, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        List<Window> open = fx(() -> List.copyOf(Window.getWindows()));
        Window dialog = open.stream().filter(w -> w.getScene() != null && w.getScene().getRoot().getId() != null
                && w.getScene().getRoot().getId().equals("shortcutsDialog")).findFirst().orElseThrow(() -> new AssertionError("no shortcuts window"));
        assertTrue(fx(() -> labels(dialog.getScene().getRoot()).contains("Ctrl+O")));
        robot.interact(() -> ((Stage) dialog).close());
    }

    private static String entryName(FxRobot robot, String id) {
        return robot.lookup(id + " .recent-name").queryAs(Label.class).getText();
    }

    private static List<String> labels(Node root) {
        return new FxRobot().from(root).lookup(".label").queryAllAs(Label.class).stream().map(Label::getText).toList();
    }


}
