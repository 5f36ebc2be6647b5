package dev.lathe.ui.compare;

import dev.lathe.TestStudies;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.export.StudyCsvExporter;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.StructuredPruner;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.app.StudyCsvAction;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.study.CandidateRow;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableRow;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import javafx.stage.Window;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A study of the digits MLP reopened in the workbench: two candidates chosen with Ctrl+click open side by side
 * with their figures, the units each keeps per group and each layer's precision; the study exports as CSV.
 */
@Tag("ui")
class CompareViewTest extends WorkbenchUiTest {
    @TempDir
    static Path dir;
    static Path study;

    @BeforeAll
    static void search() throws Exception {
        study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
    }


    @Test
    void twoCandidatesSelectedInTheTableCompareSideBySide(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.interact(() -> app.view().open(study)); // as File > Open study, a drop or a recent entry does
        waitUntil(60, () -> wb.study().rows().size() >= 8 && !wb.study().groupsProperty().get().isEmpty()
                && !wb.study().quantizableLayersProperty().get().isEmpty());
        assertEquals("searchTab", fx(() -> app.view().tabs().getSelectionModel().getSelectedItem().getId()));
        CandidateRow original = fx(() -> wb.study().originalProperty().get());
        assertNotNull(original);
        // The other: the measured candidate that changes the most (pruning and int8 if there is one).
        CandidateRow other = fx(() -> wb.study().rows().stream().filter(r -> r.isDone() && !r.isOriginal())
                .max(java.util.Comparator.comparingInt((CandidateRow r) -> r.genome().precisions().size()
                        + (int) r.genome().keepRatios().values().stream().filter(v -> v < 1).count())).orElseThrow());

        assertTrue(fx(() -> robot.lookup("#compareButton").queryButton().isDisabled()));
        robot.clickOn(row(robot, other));
        robot.press(KeyCode.CONTROL).clickOn(row(robot, original)).release(KeyCode.CONTROL);
        assertEquals(2, (int) fx(() -> robot.lookup("#candidateTable").queryTableView().getSelectionModel().getSelectedItems().size()));
        Button compare = robot.lookup("#compareButton").queryButton();
        assertFalse(fx(compare::isDisabled));
        robot.clickOn(compare);
        Window window = fx(() -> Window.getWindows().stream().filter(w -> w.getScene() != null
                && "compareView".equals(w.getScene().getRoot().getId())).findFirst().orElseThrow(() -> new AssertionError("no comparison window")));
        Node view = window.getScene().getRoot();

        // The original comes first, whatever the order of selection.
        CandidateRecord a = original.record(), b = other.record();
        assertEquals(Formats.ms(a.latencyMs()), text(robot, view, "#compare-a-latency_ms"));
        assertEquals(Formats.ms(b.latencyMs()), text(robot, view, "#compare-b-latency_ms"));
        assertEquals(Formats.quality(a.quality()), text(robot, view, "#compare-a-quality"));
        assertEquals(Formats.quality(b.quality()), text(robot, view, "#compare-b-quality"));
        assertEquals(Formats.speedup(1.0), text(robot, view, "#compare-a-speedup"));
        // The table's speed-up: drift-corrected, against the original measured nearest in time.
        assertEquals(Formats.speedup(other.speedup()), text(robot, view, "#compare-b-speedup"));
        assertEquals(Formats.bytes(b.sizeBytes()), text(robot, view, "#compare-b-size_bytes"));

        // Units kept per group: everything for the original, what the genome keeps for the other.
        List<PrunableGroup> groups = fx(() -> wb.study().groupsProperty().get());
        Genome g = other.genome();
        for (int i = 0; i < groups.size(); i++) {
            PrunableGroup pg = groups.get(i);
            assertEquals(pg.size() + " / " + pg.size(), text(robot, view, "#compare-keep-a-" + i));
            assertEquals(StructuredPruner.keptUnits(pg, g.keepRatio(pg.id())) + " / " + pg.size(), text(robot, view, "#compare-keep-b-" + i));
        }
        // Every quantizable layer's precision in both.
        List<String> layers = fx(() -> wb.study().quantizableLayersProperty().get());
        assertEquals(3, layers.size());
        for (int i = 0; i < layers.size(); i++) {
            assertEquals("float32", text(robot, view, "#compare-precision-a-" + i));
            var p = g.precisions().get(layers.get(i));
            assertEquals(p == null ? "float32" : p.id(), text(robot, view, "#compare-precision-b-" + i));
        }
        robot.interact(() -> ((Stage) window).close());

        // The study exports as CSV from the workbench, in the background.
        Path csv = dir.resolve("digits.csv");
        robot.interact(() -> StudyCsvAction.write(wb.background(), study, csv, false));
        waitUntil(30, () -> Files.exists(csv) && wb.background().busyProperty().get() == 0);
        assertEquals(StudyCsvExporter.COLUMNS.size(), Files.readAllLines(csv).getFirst().split(",").length);
        assertTrue(fx(() -> wb.background().noticeProperty().get().text()).startsWith("Wrote " + wb.study().rows().size() + " candidates"));
    }

    private static Node row(FxRobot robot, CandidateRow item) {
        return robot.lookup("#candidateTable .table-row-cell").queryAll().stream()
                .filter(n -> ((TableRow<?>) n).getItem() == item).findFirst().orElseThrow(() -> new AssertionError("row #" + item.id() + " not shown"));
    }

    private static String text(FxRobot robot, Node root, String id) throws Exception {
        return fx(() -> robot.from(root).lookup(id).queryAs(Label.class).getText());
    }

}
