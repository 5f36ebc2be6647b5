package dev.lathe.ui.study;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.data.TestData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.image.ImageView;
import javafx.scene.layout.FlowPane;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The candidates table of a real study filtered from its filter bar while sorted by latency: the visible rows are
 * exactly the candidates the filter admits, in latency order, and two of them still compare. The search form's
 * data preview shows the digits sample's CSV, then a folder of images, then the loader's message for a bad file.
 */
@Tag("ui")
class CandidatesViewTest extends WorkbenchUiTest {
    @TempDir
    static Path dir;
    static Path study;

    @BeforeAll
    static void search() throws Exception {
        study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
    }


    @Test
    void filteredRowsMatchTheFilterAndStaySorted(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.interact(() -> app.view().open(study));
        waitUntil(60, () -> wb.study().rows().size() >= 8);
        List<CandidateRecord> all;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            all = s.all();
        }
        @SuppressWarnings("unchecked")
        TableView<CandidateRow> table = robot.lookup("#candidateTable").queryAs(TableView.class);
        // Sort by the latency column, ascending, as a click on its header does.
        robot.interact(() -> {
            TableColumn<CandidateRow, ?> latency = table.getColumns().get(3);
            latency.setSortType(TableColumn.SortType.ASCENDING);
            table.getSortOrder().setAll(latency);
        });
        assertEquals(all.size() + " candidates", fx(() -> robot.lookup("#candidateCount").queryAs(Label.class).getText()));
        assertTrue(fx(() -> robot.lookup("#clearFilterButton").queryButton().isDisabled()));

        // Measured candidates of at least the median quality.
        List<CandidateRecord> done = all.stream().filter(CandidateRecord::isDone).toList();
        double median = done.stream().mapToDouble(CandidateRecord::quality).sorted().toArray()[done.size() / 2];
        robot.interact(() -> robot.lookup("#statusFilter").queryComboBox().getSelectionModel().select("done"));
        robot.clickOn("#minQualityField").write(Double.toString(median));
        List<Long> expected = done.stream().filter(c -> c.quality() >= median).sorted(Comparator.comparingDouble(CandidateRecord::latencyMs))
                .map(CandidateRecord::id).toList();
        assertTrue(expected.size() >= 1 && expected.size() < all.size(), "the filter must hide some rows: " + expected);
        assertEquals(expected, fx(() -> table.getItems().stream().map(CandidateRow::id).toList()));
        assertEquals(expected.size() + " of " + all.size() + " candidates", fx(() -> robot.lookup("#candidateCount").queryAs(Label.class).getText()));
        assertFalse(fx(() -> robot.lookup("#clearFilterButton").queryButton().isDisabled()));

        // Pareto front only on top: the front's members among them, still in latency order.
        robot.clickOn("#paretoOnlyCheck");
        java.util.Set<Long> front;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            front = dev.lathe.study.Study.load(s, dev.lathe.study.Objective.LATENCY, dev.lathe.study.Constraints.NONE).frontIds();
        }
        List<Long> onFront = expected.stream().filter(front::contains).toList();
        assertFalse(onFront.isEmpty());
        assertEquals(onFront, fx(() -> table.getItems().stream().map(CandidateRow::id).toList()));

        // Text: "original" leaves the unmodified model only (front and quality filters cleared first).
        robot.clickOn("#clearFilterButton");
        assertEquals(all.size(), (int) fx(() -> table.getItems().size()));
        robot.clickOn("#candidateFilterText").write("original");
        CandidateRow original = fx(() -> wb.study().originalProperty().get());
        assertEquals(List.of(original.id()), fx(() -> table.getItems().stream().map(CandidateRow::id).toList()));

        // Selection and Compare still work on filtered, sorted rows.
        robot.interact(() -> wb.study().selectedProperty().set(null));
        robot.interact(() -> robot.lookup("#candidateFilterText").queryTextInputControl().setText("done"));
        List<Long> doneSorted = done.stream().sorted(Comparator.comparingDouble(CandidateRecord::latencyMs)).map(CandidateRecord::id).toList();
        assertEquals(doneSorted, fx(() -> table.getItems().stream().map(CandidateRow::id).toList()));
        robot.interact(() -> {
            table.getSelectionModel().clearSelection();
            table.getSelectionModel().select(0);
            table.getSelectionModel().select(1);
        });
        Button compare = robot.lookup("#compareButton").queryButton();
        assertFalse(fx(compare::isDisabled));
        assertEquals(List.of(doneSorted.get(0), doneSorted.get(1)), fx(() -> wb.study().chosenRows().stream().map(CandidateRow::id).toList()));
        assertEquals(doneSorted.get(1), fx(() -> wb.study().selectedProperty().get().id()));
        // Narrowing the filter keeps the selected rows that still pass selected.
        robot.interact(() -> robot.lookup("#candidateFilterText").queryTextInputControl().setText("#" + doneSorted.get(1)));
        assertEquals(List.of(doneSorted.get(1)), fx(() -> table.getSelectionModel().getSelectedItems().stream().map(CandidateRow::id).toList()));
        assertEquals(doneSorted.get(1), fx(() -> wb.study().selectedProperty().get().id()));
    }

    @Test
    void theSearchFormPreviewsTheDataTheSearchWillUse(FxRobot robot) throws Exception {
        Workbench wb = app.workbench();
        robot.clickOn("#sample-digits-mlp");
        waitUntil(60, () -> wb.model().summary() != null);
        robot.interact(() -> app.view().selectSearchTab());
        Path csv = TestModels.samples().resolve("digits-mlp/test.csv").toAbsolutePath();
        waitUntil(30, () -> wb.search().dataPathProperty().get().endsWith("test.csv") && summary(robot).startsWith("CSV"));
        int rows = Files.readAllLines(csv).size() - 1;
        OnnxModel model = OnnxModel.load(TestModels.digitsMlp());
        EvaluationData.Split split = EvaluationData.resolve(model, csv, null, InputShapes.of(1, 128));
        assertEquals(String.format(java.util.Locale.ROOT, "CSV: %,d rows × 65 columns, labelled", rows), summary(robot));
        assertTrue(fx(() -> robot.lookup("#dataPreviewSplit").queryAs(Label.class).getText())
                .startsWith(String.format(java.util.Locale.ROOT, "%,d calibration · %,d evaluation samples", split.calibration().size(), split.evaluation().size())));
        @SuppressWarnings("unchecked")
        TableView<List<String>> preview = robot.lookup("#dataPreviewTable").queryAs(TableView.class);
        String firstData = Files.readAllLines(csv).get(1);
        assertEquals(firstData.split(",")[0], fx(() -> preview.getItems().getFirst().getFirst()));
        assertEquals(5, (int) fx(() -> preview.getItems().size()));

        // A folder of digit images: counts per class and thumbnails.
        Path images = TestData.digitPngFolder(dir.resolve("pngs"), 12);
        robot.interact(() -> wb.search().dataPathProperty().set(images.toString()));
        waitUntil(30, () -> summary(robot).startsWith("12 images"));
        assertTrue(fx(() -> robot.lookup("#dataPreviewThumbnails").queryAs(FlowPane.class).getChildren().stream().allMatch(n -> n instanceof ImageView)));
        assertEquals(8, (int) fx(() -> robot.lookup("#dataPreviewThumbnails").queryAs(FlowPane.class).getChildren().size()));
        assertTrue(fx(() -> robot.lookup("#dataPreviewClasses").queryAs(Label.class).getText()).contains("digit-0 "));
        // The MLP takes 64 flat values, not images: the loader says so.
        assertTrue(fx(() -> robot.lookup("#dataPreviewProblem").queryAs(Label.class).getText()).startsWith("pngs: model input 'input'"));

        // A malformed CSV: the loader's message, naming the file and the line.
        Path bad = dir.resolve("bad.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(csv).subList(0, 4));
        lines.set(2, lines.get(2).replaceFirst("^[^,]*", "oops"));
        Files.write(bad, lines);
        robot.interact(() -> wb.search().dataPathProperty().set(bad.toString()));
        waitUntil(30, () -> robot.lookup("#dataPreviewProblem").queryAs(Label.class).getText().startsWith("bad.csv"));
        assertEquals("bad.csv: line 3, column 1: 'oops' is not a number", fx(() -> robot.lookup("#dataPreviewProblem").queryAs(Label.class).getText()));
    }

    private static String summary(FxRobot robot) throws Exception {
        return fx(() -> robot.lookup("#dataPreviewSummary").queryAs(Label.class).getText());
    }

}
