package dev.lathe.ui.distill;

import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The search form's Distil share on a real search of the digits sample: the distilled rows go to the study apart from
 * the measured figures, the chart shows them, and a share outside (0, 1] is refused before a study file exists.
 */
@Tag("ui")
@Tag("slow")
class DistillShareFormUiTest extends WorkbenchUiTest {
    @TempDir
    Path tmp;

    /** As in {@code DistilledStudyExportTest}: the engine loads on the test thread for the tests sharing this JVM. */
    @BeforeAll
    static void loadTheEngineHere() {
        dev.lathe.transform.distill.TorchEngine.get();
    }

    @Test
    void aSearchFromTheFormDistilsItsShareAndShowsIt(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.clickOn("#sample-digits-cnn");
        waitUntil(60, () -> wb.model().summary() != null);
        Path refused = tmp.resolve("refused.lathe"), studyFile = tmp.resolve("distilled.lathe");
        robot.interact(() -> {
            app.view().selectSearchTab();
            wb.search().budgetProperty().set(8);
            wb.search().quickTimingProperty().set(true);
            // the bar distillation aims at: the CNN's lossy candidates (0.90-0.998 agreement) are under it, the lossless above
            wb.search().constraints().minQualityProperty().set(0.999);
            wb.search().studyPathProperty().set(refused.toString());
        });
        TextField share = robot.lookup("#distillShareField").queryAs(TextField.class);
        robot.interact(() -> share.setText("1.5"));
        assertFalse(fx(() -> wb.startSearch()));
        assertFalse(Files.exists(refused), "refused before any study file exists");

        robot.interact(() -> {
            share.setText("0.5");
            wb.search().studyPathProperty().set(studyFile.toString());
        });
        assertTrue(fx(() -> wb.startSearch()));
        waitUntil(240, () -> !wb.search().isRunning());
        assertEquals(8, fx(() -> wb.search().lastOutcomeProperty().get().measured()));
        List<DistilledCandidate> rows;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(studyFile)) {
            rows = s.distilled();
            for (DistilledCandidate d : rows) {
                var measured = s.get(d.candidateId()).orElseThrow();
                // a candidate under the minimum quality may have had its quality run stopped early, on part of the data;
                // distillation scores it on all of it, and it stays under the bar
                if (dev.lathe.study.StoppedEarly.is(measured)) assertTrue(d.qualityBefore() < 0.999, "under the bar: " + d.qualityBefore());
                else assertEquals(measured.quality(), d.qualityBefore(), 1e-9, "the measured figure is the one before");
            }
        }
        assertFalse(rows.isEmpty(), String.join("\n", fx(() -> wb.search().log())));
        assertTrue(fx(() -> String.join("\n", wb.search().log())).contains("distilled #"));
        waitUntil(20, () -> wb.study().distilled().size() == rows.size());
    }
}
