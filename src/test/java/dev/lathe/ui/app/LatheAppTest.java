package dev.lathe.ui.app;

import dev.lathe.export.CandidateExporter;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.study.CandidateRow;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drives the workbench headless (Monocle): the digits-mlp sample opens from the start page, a four-candidate search runs
 * into a temporary study, a candidate is selected and exported, and the study file is opened again.
 */
@Tag("ui")
class LatheAppTest extends WorkbenchUiTest {
    /** digits-mlp: Linear(64,128), Linear(128,64), Linear(64,10) with biases. */
    private static final long DIGITS_MLP_PARAMETERS = 64 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10;

    @TempDir
    Path tmp;




    @Test
    void searchesExportsAndReopensTheDigitsSample(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();

        // The sample opens from the start page and its summary shows the parameter count.
        robot.clickOn("#sample-digits-mlp");
        waitUntil(60, () -> wb.model().summary() != null);
        assertEquals("digits-mlp", fx(() -> wb.model().name()));
        assertEquals(DIGITS_MLP_PARAMETERS, fx(() -> wb.model().summary().parameters()));
        assertEquals(Formats.count(DIGITS_MLP_PARAMETERS), fx(() -> robot.lookup("#modelParameters").queryAs(Label.class).getText()));
        assertFalse(fx(() -> robot.lookup("#groupsTable").queryAs(TableView.class).getItems().isEmpty()), "digits-mlp has prunable groups");
        // The layer table lists the three weighted layers and filters by operator or name.
        assertEquals(wb.model().summary().layers().size(), (int) fx(() -> robot.lookup("#layersTable").queryAs(TableView.class).getItems().size()));
        robot.interact(() -> robot.lookup("#layersFilter").queryAs(javafx.scene.control.TextField.class).setText("relu"));
        assertEquals(0, (int) fx(() -> robot.lookup("#layersTable").queryAs(TableView.class).getItems().size()), "Relu holds no weights");
        assertEquals("0 of 3 layers", fx(() -> robot.lookup("#layersCount").queryAs(Label.class).getText()));
        robot.interact(() -> robot.lookup("#layersFilter").queryAs(javafx.scene.control.TextField.class).setText("GEMM"));
        assertEquals(3, (int) fx(() -> robot.lookup("#layersTable").queryAs(TableView.class).getItems().size()));
        assertEquals("3 layers", fx(() -> robot.lookup("#layersCount").queryAs(Label.class).getText()));
        // The sample brings its data, so there is no random-input warning.
        assertTrue(fx(() -> wb.search().dataPathProperty().get().endsWith("test.csv")));

        // Set up a short search into a temporary study, as the form would.
        Path studyFile = tmp.resolve("digits.lathe");
        robot.interact(() -> {
            app.view().selectSearchTab();
            @SuppressWarnings("unchecked")
            Spinner<Integer> budget = robot.lookup("#budgetSpinner").queryAs(Spinner.class);
            budget.getValueFactory().setValue(4);
            wb.search().quickTimingProperty().set(true);
            wb.search().studyPathProperty().set(studyFile.toString());
        });
        // The search view is built when first shown; it knows the sample's data.
        assertFalse(fx(() -> robot.lookup("#noDataWarning").queryAs(Label.class).isVisible()));
        assertEquals(4, fx(() -> wb.search().settings().search().budget()));
        assertTrue(fx(() -> wb.search().settings().measuring().quickTiming()));

        robot.clickOn("#startButton");
        waitUntil(20, () -> wb.search().isRunning() || wb.search().lastOutcomeProperty().get() != null);
        try {
            waitUntil(120, () -> !wb.search().isRunning());
        } catch (TimeoutException e) {
            throw new AssertionError("search did not finish in 120 s: " + searchLog(wb), e);
        }
        assertNotNull(fx(() -> wb.search().lastOutcomeProperty().get()), () -> "search failed: " + searchLog(wb));
        assertEquals(4, fx(() -> wb.search().lastOutcomeProperty().get().measured()));
        assertTrue(fx(() -> wb.study().rows().size()) >= 4);
        assertNotNull(fx(() -> wb.study().originalProperty().get()), "the original model is among the candidates");
        assertTrue(fx(() -> wb.study().rows().stream().anyMatch(CandidateRow::isPareto)));
        assertTrue(fx(() -> robot.lookup("#progressLabel").queryAs(Label.class).getText()).startsWith("Finished: 4 / 4"));
        // The original was re-measured during the search; the run bar shows how much it drifted.
        assertTrue(fx(() -> robot.lookup("#referenceLabel").queryAs(Label.class).getText()).startsWith("Reference "),
                () -> fxQuiet(() -> robot.lookup("#referenceLabel").queryAs(Label.class).getText()));
        assertEquals("cpu", fx(() -> wb.search().providerProperty().get()));
        assertTrue(fx(() -> robot.lookup("#startButton").queryAs(Button.class).isDisabled()) == false);

        // Select a measured candidate other than the original, through the table.
        CandidateRow chosen = fx(() -> wb.study().rows().stream().filter(r -> r.isDone() && !r.isOriginal()).findFirst()
                .orElse(wb.study().rows().getFirst()));
        robot.interact(() -> {
            @SuppressWarnings("unchecked")
            TableView<CandidateRow> table = robot.lookup("#candidateTable").queryAs(TableView.class);
            table.getSelectionModel().select(chosen);
        });
        assertEquals(chosen.id(), fx(() -> wb.study().detailProperty().get().id()));
        assertEquals("Candidate #" + chosen.id(), fx(() -> robot.lookup("#detailTitle").queryAs(Label.class).getText()));
        assertFalse(fx(() -> robot.lookup("#exportButton").queryAs(Button.class).isDisabled()));

        // Export it (the folder dialog cannot be driven headless, so call what the button calls after it).
        Path exportDir = tmp.resolve("export");
        robot.interact(() -> wb.study().export(exportDir));
        waitUntil(120, () -> wb.study().lastExportProperty().get() != null || (!wb.study().exportingProperty().get()
                && wb.study().exportMessageProperty().get().startsWith("Export failed")));
        assertNotNull(fx(() -> wb.study().lastExportProperty().get()), () -> "export failed: " + fxQuiet(() -> wb.study().exportMessageProperty().get()));
        assertTrue(Files.isRegularFile(exportDir.resolve(CandidateExporter.MODEL_FILE)));
        assertTrue(Files.isRegularFile(exportDir.resolve(CandidateExporter.REPORT_FILE)));
        assertTrue(Files.readString(exportDir.resolve(CandidateExporter.REPORT_FILE)).contains("\"id\" : " + chosen.id()));

        // Open the .lathe file again, as a file association or a drop does: it opens as a study, and the same candidates come back.
        List<CandidateRecord> stored;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(studyFile)) {
            stored = s.all();
        }
        robot.interact(() -> wb.study().show(null));
        assertEquals(0, fx(() -> wb.study().rows().size()));
        robot.interact(() -> app.view().open(studyFile));
        waitUntil(60, () -> !wb.study().loadingProperty().get() && wb.study().rows().size() == stored.size());
        assertEquals(stored.size(), fx(() -> wb.study().rows().size()));
        assertEquals(stored.size(), fx(() -> robot.lookup("#candidateTable").queryAs(TableView.class).getItems().size()));
        assertEquals(studyFile.toAbsolutePath().toString(), fx(() -> wb.search().studyPathProperty().get()));
        assertEquals(stored.stream().filter(CandidateRecord::isDone).count(), (long) fx(() -> wb.study().measuredProperty().get()));
    }

    @Test
    void measuresEachLayersSensitivityInTheModelView(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.clickOn("#sample-digits-mlp");
        waitUntil(60, () -> wb.model().summary() != null);
        robot.interact(() -> robot.lookup("#sensitivityMeasure").queryAs(Button.class).fire());
        waitUntil(120, () -> wb.sensitivity().reportProperty().get() != null);
        @SuppressWarnings("unchecked")
        TableView<dev.lathe.search.SensitivityAnalysis.LayerResult> table = robot.lookup("#sensitivityTable").queryAs(TableView.class);
        assertEquals(3, fx(() -> table.getItems().size()), "the digits MLP's three layers at int8");
        assertTrue(fx(() -> table.getItems().stream().allMatch(r -> r.measured() && r.precision().equals("int8"))));
        javafx.scene.chart.BarChart<?, ?> chart = robot.lookup("#sensitivityChart").queryAs(javafx.scene.chart.BarChart.class);
        assertEquals(3, fx(() -> chart.getData().getFirst().getData().size()));
        assertTrue(fx(() -> robot.lookup("#sensitivityProgress").queryAs(Label.class).getText()).startsWith("3 layers, accuracy on 100 samples"));
    }

    private static String searchLog(Workbench wb) {
        return fxQuiet(() -> wb.search().progressTextProperty().get() + "\n" + String.join("\n", wb.search().log()));
    }

    /** Reads FX state on the FX thread. */


}
