package dev.lathe.ui.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.chart.LineChart;
import javafx.scene.control.Label;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * File ▸ Distill and export… on the digits sample study, driven as a user drives it: the dialog fills in the study's
 * data, runs with a progress bar and a live loss curve, exports a model ONNX Runtime loads with the original's
 * signature and scores as the dialog says, records it apart from the measured figures, and the chart shows it.
 * Cancel leaves no folder and no row.
 */
@Tag("ui")
@Tag("slow")
class DistillUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    /** As in {@code DistilledStudyExportTest}: the engine loads on the test thread, not on a window worker, for the tests sharing this JVM. */
    @org.junit.jupiter.api.BeforeAll
    static void loadTheEngineHere() {
        dev.lathe.transform.distill.TorchEngine.get();
    }

    /** Each test's window is new; the dialog of the one before must not answer this test's lookups. */
    @org.junit.jupiter.api.AfterEach
    void closeDialogs() throws Exception {
        fx(() -> {
            for (javafx.stage.Window w : List.copyOf(javafx.stage.Window.getWindows()))
                if (w instanceof javafx.stage.Stage st && "Distill and export".equals(st.getTitle())) st.close();
            return null;
        });
    }

    private static MenuItem menuItem(FxRobot robot, String id) {
        MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
        return bar.getMenus().stream().flatMap(m -> m.getItems().stream()).filter(i -> id.equals(i.getId())).findFirst().orElseThrow();
    }

    private long openAndSelectWorst(FxRobot robot, Path study) throws Exception {
        Workbench wb = app.workbench();
        long id;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            id = s.all().stream().filter(CandidateRecord::isDone).filter(c -> c.genomeJson().contains("keep"))
                    .min(Comparator.comparingDouble(CandidateRecord::quality)).orElseThrow().id();
        }
        robot.interact(() -> app.view().open(study));
        waitUntil(60, () -> wb.study().row(id) != null);
        assertTrue(fx(() -> menuItem(robot, "distillMenu").isDisable()), "nothing selected yet");
        robot.interact(() -> wb.study().select(id));
        waitUntil(10, () -> !menuItem(robot, "distillMenu").isDisable());
        robot.interact(() -> menuItem(robot, "distillMenu").fire());
        waitUntil(10, () -> List.copyOf(javafx.stage.Window.getWindows()).stream()
                .anyMatch(w -> w instanceof javafx.stage.Stage st && st.isShowing() && "Distill and export".equals(st.getTitle())));
        return id;
    }

    /** This test's dialog: the one showing, owned by this test's window (lookups are scoped to it). */
    private javafx.scene.Parent dialog() throws Exception {
        return fx(() -> List.copyOf(javafx.stage.Window.getWindows()).stream()
                .filter(w -> w instanceof javafx.stage.Stage st && st.isShowing() && "Distill and export".equals(st.getTitle()))
                .map(w -> w.getScene().getRoot()).reduce((first, later) -> later).orElseThrow());
    }

    private <T extends javafx.scene.Node> T node(FxRobot robot, String id, Class<T> type) throws Exception {
        return robot.from(dialog()).lookup("#" + id).queryAs(type);
    }

    private void set(FxRobot robot, String id, String text) throws Exception {
        TextField f = node(robot, id, TextField.class);
        robot.interact(() -> f.setText(text));
    }

    private String text(FxRobot robot, String id) throws Exception {
        Label l = node(robot, id, Label.class);
        return fx(l::getText);
    }

    private void press(FxRobot robot, String id) throws Exception {
        javafx.scene.control.Button b = node(robot, id, javafx.scene.control.Button.class);
        assertFalse(fx(b::isDisabled), id + " is enabled");
        robot.interact(b::fire);
    }

    @Test
    void distilsExportsAndShowsTheCandidateApart(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        long id = openAndSelectWorst(robot, study);
        TextField dataField = node(robot, "distillData", TextField.class), outField = node(robot, "distillOut", TextField.class);
        String data = fx(dataField::getText);
        assertEquals(TestModels.digitsMlp().resolveSibling("test.csv").toAbsolutePath().toString(), data, "the study's own data by default");
        String suggested = fx(outField::getText);
        assertEquals(dir.resolve("candidate-" + id + "-distilled").toAbsolutePath().toString(), suggested);

        Path out = dir.resolve("exported");
        set(robot, "distillSteps", "40");
        set(robot, "distillSeed", "4");
        set(robot, "distillLearningRate", "3e-3");
        set(robot, "distillOut", out.toString());
        press(robot, "distillStart");
        Label resultLabel = node(robot, "distillResult", Label.class), problemLabel = node(robot, "distillProblem", Label.class);
        waitUntil(180, () -> !resultLabel.getText().isEmpty() || !problemLabel.getText().isEmpty());
        assertEquals("", text(robot, "distillProblem"));
        String result = text(robot, "distillResult");
        String status = text(robot, "distillStatus");
        assertTrue(status.contains("loss") && status.contains("memory"), status);

        JsonNode report = new ObjectMapper().readTree(Files.readString(out.resolve("report.json")));
        int steps = report.at("/run/steps").asInt();
        @SuppressWarnings("unchecked")
        LineChart<Number, Number> curve = node(robot, "distillLossChart", LineChart.class);
        assertEquals(steps, fx(() -> curve.getData().get(0).getData().size()), "one point of the live loss curve per step");
        double after = report.at("/quality/after").asDouble(), before = report.at("/quality/before").asDouble();
        assertTrue(result.contains(String.format(java.util.Locale.ROOT, "%.4f → %.4f", before, after)), result);

        OnnxModel original = OnnxModel.load(TestModels.digitsMlp()), exported = OnnxModel.load(out.resolve("model.onnx"));
        assertEquals(original.proto().getGraph().getInputList(), exported.proto().getGraph().getInputList());
        assertEquals(original.proto().getGraph().getOutputList(), exported.proto().getGraph().getOutputList());
        var split = EvaluationData.resolve(original, Path.of(data), null, InputShapes.of(1, 1));
        double rescored = new QualityEvaluator(original, split.evaluation(), OrtRunner.RunnerSettings.cpu(1)).evaluate(exported).quality();
        assertEquals(after, rescored, 1e-9, "ONNX Runtime scores the exported file as the report and the dialog say");

        List<DistilledCandidate> stored;
        double measured;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            stored = s.distilled();
            measured = s.get(id).orElseThrow().quality();
        }
        assertEquals(1, stored.size());
        assertEquals(id, stored.getFirst().candidateId());
        assertEquals(after, stored.getFirst().qualityAfter(), 1e-12);
        assertEquals(before, stored.getFirst().qualityBefore(), 1e-12);
        assertEquals(measured, fx(() -> app.workbench().study().row(id).record().quality()), "the measured row keeps its measured quality");
        waitUntil(20, () -> app.workbench().study().distilled().size() == 1);
        robot.interact(() -> app.view().selectSearchTab());
        waitUntil(20, () -> robot.lookup(".distilled-point").tryQuery().isPresent());
        assertTrue(fx(() -> robot.lookup(".distilled-link").tryQuery().isPresent()));
    }

    @Test
    void cancelLeavesNoFolderAndNoRow(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        openAndSelectWorst(robot, study);
        Path out = dir.resolve("never");
        set(robot, "distillSteps", "100000");
        set(robot, "distillOut", out.toString());
        press(robot, "distillStart");
        Label status = node(robot, "distillStatus", Label.class), problem = node(robot, "distillProblem", Label.class);
        waitUntil(120, () -> status.getText().startsWith("step") || !problem.getText().isEmpty());
        assertEquals("", text(robot, "distillProblem"));
        press(robot, "distillCancel");
        waitUntil(60, () -> !problem.getText().isEmpty());
        assertEquals("Cancelled; nothing was written or recorded.", text(robot, "distillProblem"));
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("lathe-staging")), "the staging folder is removed");
        }
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            assertTrue(s.distilled().isEmpty());
        }
    }
}
