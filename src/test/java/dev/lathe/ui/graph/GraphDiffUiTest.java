package dev.lathe.ui.graph;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.explain.CandidateDiff;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two candidates of the digits-MLP sample study in the graph view: one shown from the Search view, the other
 * picked in "Compare with…"; the Differences overlay marks what differs with before → after, the side panel
 * says it, and the SVG export carries it.
 */
@Tag("ui")
@Tag("slow")
class GraphDiffUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    @Test
    void comparesTwoCandidates(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        GroupFinder.Result analysis = GroupFinder.analyze(OnnxModel.load(TestModels.digitsMlp()));
        List<String> layers = analysis.quantizable().stream().map(QuantizableLayer::id).toList();
        String group = analysis.groups().getFirst().id();
        long a, b;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            a = s.addPending(GenomeJson.write(Genome.withPrecisions(Map.of(group, 0.5), Map.of(layers.get(0), Precision.INT8))), "test", 0).id();
            b = s.addPending(GenomeJson.write(Genome.withPrecisions(Map.of(), Map.of(layers.get(0), Precision.INT8, layers.get(1), Precision.INT8))), "test", 0).id();
        }
        robot.interact(() -> app.view().open(study));
        waitUntil(60, () -> app.workbench().study().row(b) != null && app.workbench().model().loadedModel() != null);
        robot.interact(() -> app.workbench().study().selectedProperty().set(app.workbench().study().row(b)));
        robot.interact(() -> app.workbench().study().showSelectedInGraph());
        GraphView view = app.view().graphView();
        waitUntil(120, () -> view.subject() != null && view.subject().title().equals("candidate #" + b) && !view.layingOutProperty().get());
        assertTrue(fx(() -> robot.lookup("#graphCompare").queryAs(ComboBox.class).isVisible()), "a candidate can be compared");

        robot.interact(() -> robot.lookup("#graphCompare").<Long>queryComboBox().setValue(a));
        waitUntil(120, () -> view.subject().diff() != null && !view.layingOutProperty().get());
        assertEquals("candidate #" + b + " vs #" + a, fx(() -> robot.lookup("#graphSubject").queryAs(Label.class).getText()));
        GraphOverlay overlay = fx(() -> view.canvas().overlay());
        assertEquals(GraphOverlay.Mode.DIFFERENCES, overlay.mode());
        assertEquals("What differs from candidate #" + a + " to candidate #" + b + " (" + view.subject().diff().differences().size() + " nodes)",
                overlay.legendText().getFirst());

        GraphModel g = fx(view::graph);
        int second = g.nodes().stream().filter(n -> n.name().equals(layers.get(1))).findFirst().orElseThrow().id();
        assertTrue(overlay.badge()[second].contains("float → int8"), overlay.badge()[second]);
        // It reads the pruned group's output too, so its width differs as well: coloured by the first kind, badged with both.
        CandidateDiff.Difference d2 = view.subject().diff().difference(layers.get(1));
        assertTrue(d2.kinds().contains(CandidateDiff.Kind.PRECISION), d2.toString());
        assertEquals(d2.kind() == CandidateDiff.Kind.WIDTH ? GraphOverlay.PRUNED : GraphOverlay.PRECISION, overlay.fill()[second]);
        boolean width = false;
        for (GraphModel.Node n : g.nodes()) {
            CandidateDiff.Difference d = view.subject().diff().difference(n.name());
            if (d != null && d.kind() == CandidateDiff.Kind.WIDTH) {
                width = true;
                assertEquals(GraphOverlay.PRUNED, overlay.fill()[n.id()]);
                assertTrue(overlay.badge()[n.id()].matches("\\d+ → \\d+.*"), overlay.badge()[n.id()]);
            }
        }
        assertTrue(width, "the group's width differs");
        robot.interact(() -> view.canvas().selectedProperty().set(second));
        List<String> figures = fx(() -> GraphOverlayUiTest.labels(robot.lookup("#graphFigures").queryAs(VBox.class)));
        assertTrue(figures.stream().anyMatch(f -> f.startsWith("differs: ") && f.contains("precision float → int8")), figures.toString());

        Path svg = dir.resolve("diff.svg");
        robot.interact(() -> {
            try {
                view.export(svg);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        String text = Files.readString(svg);
        assertTrue(text.contains("What differs from candidate #" + a), "the legend is exported");
        assertTrue(text.contains("float → int8"), "the badges are exported");

        robot.interact(() -> robot.lookup("#graphOriginal").queryButton().fire());
        waitUntil(120, () -> view.subject() != null && view.subject().title().equals("original") && !view.layingOutProperty().get());
        assertNull(fx(() -> robot.lookup("#graphCompare").<Long>queryComboBox().getValue()));
        assertFalse(fx(() -> robot.lookup("#graphCompare").queryAs(ComboBox.class).isVisible()), "the original has nothing to compare");
    }
}
