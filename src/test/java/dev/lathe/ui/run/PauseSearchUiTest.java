package dev.lathe.ui.run;

import dev.lathe.search.CountingMeasurer;
import dev.lathe.search.SearchRunner;
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

        // The second candidate is held in flight until Pause has been pressed, so the pause lands mid-candidate.
        CountingMeasurer measurer = new CountingMeasurer(SearchRunner.DEFAULT_MEASURERS, 2);
        wb.search().useMeasurers(measurer.factory());
        robot.clickOn("#startButton");
        measurer.awaitHeld();
        robot.clickOn("#pauseButton");
        waitUntil(30, () -> wb.search().pauseRequestedProperty().get());
        measurer.release();
        waitUntil(120, () -> wb.search().pausedProperty().get());
        String status = fx(() -> robot.lookup("#progressLabel").queryAs(Label.class).getText());
        assertTrue(status.startsWith("Paused after candidate #") && status.contains(" · 2 / 5 · "), status);
        assertEquals("Resume", fx(() -> robot.lookup("#pauseButton").queryAs(Button.class).getText()));
        assertTrue(fx(() -> ShortcutsDialog.list(robot.lookup("#menuBar").queryAs(MenuBar.class)))
                .contains(new ShortcutsDialog.Shortcut("Search", "Resume search", "Ctrl+P")));

        // The search thread is parked waiting for the resume, so nothing can be measured while paused.
        CountingMeasurer.awaitParked(measurer.measuringThread());
        assertEquals(2, finished(studyFile), "paused after the candidate that was in flight");
        assertEquals(2, measurer.candidates(), "nothing was started after the pause");

        robot.clickOn("#pauseButton");
        waitUntil(120, () -> !wb.search().isRunning());
        assertEquals(5, fx(() -> wb.search().lastOutcomeProperty().get().measured()));
        assertEquals(5, measurer.candidates());
        assertTrue(fx(() -> robot.lookup("#progressLabel").queryAs(Label.class).getText()).startsWith("Finished: 5 / 5"));
        assertTrue(fx(() -> String.join("\n", wb.search().log())).contains("── Resumed"));
    }

    private static long finished(Path study) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            return s.count(CandidateStatus.DONE) + s.count(CandidateStatus.FAILED);
        }
    }
}
