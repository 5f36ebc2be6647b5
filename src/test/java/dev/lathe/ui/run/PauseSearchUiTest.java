package dev.lathe.ui.run;

import dev.lathe.study.CandidateStatus;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.app.ShortcutsDialog;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pause and Resume from the run bar on a real search of the digits sample: the status says where it paused, the
 * Search menu offers Resume (Ctrl+P, listed among the shortcuts), nothing is measured while paused, and the
 * resumed search reaches its budget.
 */
@Tag("ui")
class PauseSearchUiTest extends WorkbenchUiTest {
    @TempDir
    Path tmp;




    @Test
    void pausesAfterACandidateAndResumesToTheBudget(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.clickOn("#sample-digits-mlp");
        waitUntil(60, () -> wb.model().summary() != null);
        Path studyFile = tmp.resolve("paused.lathe");
        robot.interact(() -> {
            app.view().selectSearchTab();
            wb.search().budgetProperty().set(5);
            wb.search().quickTimingProperty().set(true);
            wb.search().studyPathProperty().set(studyFile.toString());
        });
        assertTrue(fx(() -> robot.lookup("#pauseButton").queryAs(Button.class).isDisabled()), "nothing to pause before a search");
        assertTrue(fx(() -> ShortcutsDialog.list(robot.lookup("#menuBar").queryAs(MenuBar.class)))
                .contains(new ShortcutsDialog.Shortcut("Search", "Pause search", "Ctrl+P")));

        // A quick search of this sample outruns a robot's click: press Pause as the first measured candidate arrives.
        Button pause = robot.lookup("#pauseButton").queryAs(Button.class);
        robot.interact(() -> wb.study().measuredProperty().addListener((o, was, now) -> {
            if (now.intValue() == 1 && !wb.search().pauseRequestedProperty().get()) pause.fire();
        }));
        robot.clickOn("#startButton");
        waitUntil(120, () -> wb.search().pausedProperty().get());
        String status = fx(() -> robot.lookup("#progressLabel").queryAs(Label.class).getText());
        assertTrue(status.startsWith("Paused after candidate #"), status);
        assertEquals("Resume", fx(() -> robot.lookup("#pauseButton").queryAs(Button.class).getText()));
        assertTrue(fx(() -> ShortcutsDialog.list(robot.lookup("#menuBar").queryAs(MenuBar.class)))
                .contains(new ShortcutsDialog.Shortcut("Search", "Resume search", "Ctrl+P")));

        long finished = finished(studyFile);
        for (int i = 0; i < 4; i++) {
            Thread.sleep(500);
            assertEquals(finished, finished(studyFile), "nothing is measured while paused");
        }
        assertTrue(finished < 5);

        robot.clickOn("#pauseButton");
        waitUntil(120, () -> !wb.search().isRunning());
        assertEquals(5, fx(() -> wb.search().lastOutcomeProperty().get().measured()));
        assertTrue(fx(() -> robot.lookup("#progressLabel").queryAs(Label.class).getText()).startsWith("Finished: 5 / 5"));
        assertTrue(fx(() -> String.join("\n", wb.search().log())).contains("── Resumed"));
    }

    private static long finished(Path study) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            return s.count(CandidateStatus.DONE) + s.count(CandidateStatus.FAILED);
        }
    }


}
