package dev.lathe.ui.search;

import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.StudyConfig;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search form's precisions, headless: on the digits MLP, int8 and int4_b32 chosen and the first layer
 * pinned to float32 through the layer table; a short search stores exactly those choices, and no candidate
 * gives the pinned layer a reduced precision or any layer a precision outside the set.
 */
@Tag("ui")
class PrecisionSetupTest extends WorkbenchUiTest {
    @TempDir
    Path tmp;




    @Test
    void aSearchKeepsTheChosenPrecisionsAndThePinnedLayer(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.clickOn("#sample-digits-mlp");
        waitUntil(60, () -> wb.model().summary() != null && !wb.search().precisions().layers().isEmpty());
        robot.interact(() -> app.view().selectSearchTab());

        @SuppressWarnings("unchecked")
        TableView<QuantizableLayer> table = robot.lookup("#layerPinTable").queryAs(TableView.class);
        assertEquals(3, fx(() -> table.getItems().size()), "the digits MLP's three Gemm layers");
        String pinned = fx(() -> table.getItems().getFirst().id());

        // Untick the defaults, keep int8, drop int8 static, add int4 with blocks of 32: as a click on each box does.
        robot.interact(() -> {
            robot.lookup("#precisionDefaults").queryAs(CheckBox.class).fire();
            robot.lookup("#precision-int8_static").queryAs(CheckBox.class).fire();
            robot.lookup("#precision-int4_b32").queryAs(CheckBox.class).fire();
        });
        assertTrue(fx(() -> robot.lookup("#precision-int8").queryAs(CheckBox.class).isSelected()));
        assertFalse(fx(() -> robot.lookup("#fp16Note").queryAs(Label.class).isVisible()), "no fp16, no GPU note");

        // Pin the first layer to float32 through its menu in the table.
        MenuButton pin = robot.lookup("#pin-0").queryAs(MenuButton.class);
        assertEquals("search set (int8, int4_b32)", fx(pin::getText));
        robot.interact(() -> {
            pin.show();
            MenuItem fp32 = pin.getItems().stream().filter(i -> "pinFloat32".equals(i.getId())).findFirst().orElseThrow();
            fp32.fire();
            pin.hide();
        });
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(Map.of(pinned, List.of()), fx(() -> Map.copyOf(wb.search().precisions().pins())));
        assertEquals("float32 only", fx(() -> robot.lookup("#pin-0").queryAs(MenuButton.class).getText()));
        assertTrue(fx(() -> robot.lookup("#pinnedSummary").queryAs(Label.class).getText()).startsWith("3 quantizable layers · 1 pinned"));

        // fp16 offered on the CPU provider shows the note; taking it away again hides it.
        robot.interact(() -> robot.lookup("#precision-fp16").queryAs(CheckBox.class).fire());
        assertTrue(fx(() -> robot.lookup("#fp16Note").queryAs(Label.class).isVisible()));
        robot.interact(() -> robot.lookup("#precision-fp16").queryAs(CheckBox.class).fire());
        assertFalse(fx(() -> robot.lookup("#fp16Note").queryAs(Label.class).isVisible()));

        Path studyFile = tmp.resolve("precisions.lathe");
        robot.interact(() -> {
            wb.search().budgetProperty().set(8);
            wb.search().quickTimingProperty().set(true);
            wb.search().precisions().sensitivitySamplesProperty().set(16);
            wb.search().studyPathProperty().set(studyFile.toString());
        });
        PrecisionChoices expected = PrecisionChoices.of(List.of(Precision.INT8, Precision.INT4_B32)).pin(pinned, List.of());
        assertEquals(expected, fx(() -> wb.search().settings().precision().choices()), "the form gives what --precisions int8,int4_b32 --layer-precisions " + pinned + "=fp32 gives");

        robot.interact(() -> robot.lookup("#startButton").queryAs(javafx.scene.control.Button.class).fire());
        waitUntil(20, () -> wb.search().isRunning() || wb.search().lastOutcomeProperty().get() != null);
        try {
            waitUntil(150, () -> !wb.search().isRunning());
        } catch (TimeoutException e) {
            throw new AssertionError("search did not finish: " + fxQuiet(() -> String.join("\n", wb.search().log())), e);
        }
        assertNotNull(fx(() -> wb.search().lastOutcomeProperty().get()), () -> "search failed: " + fxQuiet(() -> String.join("\n", wb.search().log())));

        StudyConfig stored;
        List<CandidateRecord> candidates;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(studyFile)) {
            stored = StudyConfig.of(s).orElseThrow();
            candidates = s.all();
        }
        assertEquals(Map.of("Gemm", List.of("int8", "int4_b32"), "MatMul", List.of("int8", "int4_b32"), "layer:" + pinned, List.of()), stored.precision().precisions());
        assertEquals(expected, stored.precision().choices());
        assertEquals(16, stored.precision().sensitivitySamples());
        assertEquals(8, candidates.stream().filter(c -> c.isDone() || c.status() == dev.lathe.study.CandidateStatus.FAILED).count());
        Set<Precision> allowed = Set.of(Precision.INT8, Precision.INT4_B32);
        Set<Precision> seen = new java.util.HashSet<>();
        for (CandidateRecord c : candidates) {
            Genome g = GenomeJson.read(c.genomeJson());
            assertFalse(g.precisions().containsKey(pinned), "candidate #" + c.id() + " gives the pinned layer " + g.precision(pinned));
            assertTrue(allowed.containsAll(g.precisions().values()), "candidate #" + c.id() + ": " + g.precisions());
            seen.addAll(g.precisions().values());
        }
        assertEquals(allowed, seen, "the search tried both precisions on the unpinned layers");

        // Opening the study again brings the same choices back into the form.
        robot.interact(() -> {
            wb.search().precisions().pins().clear();
            wb.search().precisions().useDefaultsProperty().set(true);
            app.view().open(studyFile);
        });
        waitUntil(60, () -> !wb.study().loadingProperty().get() && !wb.search().precisions().pins().isEmpty());
        assertEquals(expected, fx(() -> wb.search().precisions().choices()));
        assertFalse(fx(() -> robot.lookup("#precisionDefaults").queryAs(CheckBox.class).isSelected()));
    }



}
