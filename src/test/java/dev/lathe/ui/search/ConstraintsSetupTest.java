package dev.lathe.ui.search;

import dev.lathe.study.Constraints;
import dev.lathe.config.KeepRanges;
import dev.lathe.config.StudyConfig;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.study.CandidateRow;
import javafx.scene.control.CheckBox;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The search form's constraints and search space, headless: on the digits MLP a quality bound typed into the
 * form, the first layer's keep range edited in the group table and the second layer kept whole; a short search
 * stores exactly those settings and builds only candidates inside the ranges.
 */
@Tag("ui")
class ConstraintsSetupTest extends WorkbenchUiTest {
    @TempDir
    Path tmp;




    @Test
    void aSearchStoresTheFormsConstraintAndGroupRanges(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.clickOn("#sample-digits-mlp");
        waitUntil(60, () -> wb.model().summary() != null && wb.search().space().groups().size() == 2);
        robot.interact(() -> app.view().selectSearchTab());
        String first = fx(() -> wb.search().space().groups().get(0).id());
        String second = fx(() -> wb.search().space().groups().get(1).id());

        robot.interact(() -> {
            robot.lookup("#minQualityField").queryAs(TextField.class).setText("0.975");
            TextField min = robot.lookup("#keepMin-0").queryAs(TextField.class);
            TextField max = robot.lookup("#keepMax-0").queryAs(TextField.class);
            min.setText("0.5");
            max.setText("0.75");
            max.fireEvent(new javafx.event.ActionEvent());
            robot.lookup("#keepWhole-1").queryAs(CheckBox.class).fire();
        });
        WaitForAsyncUtils.waitForFxEvents();
        KeepRanges expected = new KeepRanges(null, Map.of(first, new KeepRanges.Range(0.5, 0.75), second, KeepRanges.Range.WHOLE), List.of());
        assertEquals(expected, fx(() -> wb.search().settings().keepRanges()), "the form gives what --keep-range gives");
        assertEquals(new Constraints(null, null, null, 0.975), fx(() -> wb.search().settings().constraints()));
        assertTrue(fx(() -> robot.lookup("#keepMin-1").queryAs(TextField.class).isDisabled()), "a whole group's range is not editable");

        Path studyFile = tmp.resolve("bounded.lathe");
        robot.interact(() -> {
            wb.search().budgetProperty().set(6);
            wb.search().quickTimingProperty().set(true);
            wb.search().precisions().sensitivitySamplesProperty().set(0);
            wb.search().studyPathProperty().set(studyFile.toString());
        });
        robot.interact(() -> robot.lookup("#startButton").queryAs(javafx.scene.control.Button.class).fire());
        waitUntil(20, () -> wb.search().isRunning() || wb.search().lastOutcomeProperty().get() != null);
        try {
            waitUntil(150, () -> !wb.search().isRunning());
        } catch (TimeoutException e) {
            throw new AssertionError("search did not finish: " + String.join("\n", fx(() -> List.copyOf(wb.search().log()))), e);
        }
        assertNotNull(fx(() -> wb.search().lastOutcomeProperty().get()), () -> "search failed");

        StudyConfig stored;
        List<CandidateRecord> candidates;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(studyFile)) {
            stored = StudyConfig.of(s).orElseThrow();
            candidates = s.all();
        }
        assertEquals(new Constraints(null, null, null, 0.975), stored.constraints());
        assertEquals(expected, stored.keepRanges());
        for (CandidateRecord c : candidates) {
            Genome g = GenomeJson.read(c.genomeJson());
            if (g.isOriginal()) continue;
            double r = g.keepRatio(first);
            assertTrue(r >= 0.5 && r <= 0.75, "candidate #" + c.id() + " keeps " + r + " of the first layer");
            assertFalse(g.keepRatios().containsKey(second), "candidate #" + c.id() + " prunes the whole-kept layer");
        }
        // The table marks what breaks the bound and the front leaves it out.
        for (CandidateRow row : fx(() -> List.copyOf(wb.study().rows()))) {
            if (!row.isDone()) continue;
            boolean meets = row.record().quality() >= 0.975;
            assertEquals(meets, row.violations().isEmpty(), "candidate #" + row.id() + ": " + row.violations());
            if (!meets) assertFalse(row.isPareto(), "candidate #" + row.id() + " breaks the bound but is on the front");
        }
    }


}
