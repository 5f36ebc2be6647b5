package dev.lathe.ui.model;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.analysis.ModelSummary;
import dev.lathe.eval.profile.ModelProfile;
import dev.lathe.explain.GraphSubject;
import dev.lathe.explain.LayerTimes;
import dev.lathe.explain.Profiles;
import dev.lathe.model.InputShapes;
import dev.lathe.study.ProfileStore;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The model view's layer table gains measured ms per layer: measured on request in a worker (the digits CNN),
 * or read from the open study's stored profile of its original without measuring again (the digits MLP).
 */
@Tag("ui")
@Tag("slow")
class LayerTimesUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    @Test
    void measureFillsTheMsColumnAndItAddsUpToTheProfile(FxRobot robot) throws Exception {
        robot.interact(() -> app.workbench().open(TestModels.digitsCnn()));
        waitUntil(60, () -> app.workbench().model().summary() != null);
        modelTab(robot);
        assertEquals("ms not measured", fx(() -> robot.lookup("#layersTimes").queryAs(Label.class).getText()));
        robot.interact(() -> robot.lookup("#layersProfile").queryAs(Button.class).fire());
        waitUntil(240, () -> app.workbench().layerTimes().timesProperty().get() != null);

        ModelProfile p = fx(() -> app.workbench().layerTimes().profileProperty().get());
        LayerTimes t = fx(() -> app.workbench().layerTimes().timesProperty().get());
        List<Double> ms = column(robot, "layersMs");
        List<ModelSummary.Layer> layers = fx(() -> app.workbench().model().summary().layers());
        assertEquals(layers.size(), ms.size());
        double sum = 0;
        for (int i = 0; i < ms.size(); i++) {
            assertNotNull(ms.get(i), "every layer has its ms: " + layers.get(i).name());
            sum += ms.get(i);
        }
        for (ModelSummary.Layer l : layers)
            if (l.opType().equals("Conv") || l.opType().equals("Gemm")) assertTrue(t.of(l.name()) > 0, l.name() + " runs in a kernel of its own or fused");
        double nodes = p.nodes().stream().mapToDouble(ModelProfile.Node::ms).sum();
        assertEquals(t.layersMs(), sum, 1e-9, "the column sums to the layers' total");
        assertEquals(nodes, t.layersMs() + t.otherMs(), 1e-9, "layers and the other nodes are the profile's node total");
        assertEquals(p.kernelSumMs(), nodes, 1e-6 + 0.01 * nodes, "the nodes carry the kernels' time");
        // The CNN's weighted layers (each Conv with its BatchNormalization and Relu fused in, the Gemm) carry most of it (82% at batch 1; the
        // profiler rounds kernels to whole microseconds, so not a tight bound).
        assertTrue(sum >= 0.6 * nodes, "layers " + sum + " ms of " + nodes + " ms");
        List<Double> shares = column(robot, "layersMsShare");
        for (int i = 0; i < ms.size(); i++) assertEquals(ms.get(i) / p.totalMs(), shares.get(i), 1e-12);
        String line = fx(() -> robot.lookup("#layersTimes").queryAs(Label.class).getText());
        assertTrue(line.startsWith("layers ") && line.contains(" · CPU "), "a fresh profile has the CPU time per profiled run: " + line);
        System.out.printf("digits CNN layer table: layers %.4f ms + other %.4f ms = nodes %.4f ms; kernels %.4f ms; run %.4f ms (%s)%n",
                t.layersMs(), t.otherMs(), nodes, p.kernelSumMs(), p.totalMs(), p.shape());
    }

    @Test
    void aStoredProfileFillsTheColumnWithoutMeasuring(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        // The profile the graph view or the table would store, at the shape and settings they use.
        ModelProfile stored = Profiles.profile(GraphSubject.profileSetup(TestModels.digitsMlp(), InputShapes.of(1, 128), null, null), null, study,
                ProfileStore.ORIGINAL, true, null).profile();
        robot.interact(() -> app.view().open(study));
        waitUntil(120, () -> app.workbench().layerTimes().timesProperty().get() != null);
        modelTab(robot);
        assertFalse(fx(() -> app.workbench().layerTimes().measuringProperty().get()));
        assertEquals(stored.toJson(), fx(() -> app.workbench().layerTimes().profileProperty().get().toJson()), "the study's own profile");
        List<Double> ms = column(robot, "layersMs");
        assertFalse(ms.isEmpty());
        for (Double m : ms) assertNotNull(m);
    }

    private void modelTab(FxRobot robot) {
        robot.interact(() -> app.view().tabs().getSelectionModel().select(app.view().tabs().getTabs().stream()
                .filter(t -> "modelTab".equals(t.getId())).findFirst().orElseThrow()));
    }

    @SuppressWarnings("unchecked")
    private static List<Double> column(FxRobot robot, String id) throws Exception {
        return fx(() -> {
            TableView<ModelSummary.Layer> table = robot.lookup("#layersTable").queryAs(TableView.class);
            TableColumn<ModelSummary.Layer, Double> c = (TableColumn<ModelSummary.Layer, Double>) table.getColumns().stream()
                    .filter(x -> id.equals(x.getId())).findFirst().orElseThrow();
            List<Double> out = new ArrayList<>();
            for (ModelSummary.Layer l : table.getItems()) out.add(c.getCellObservableValue(l).getValue());
            return out;
        });
    }
}
