package dev.lathe.ui.graph;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.explain.CandidateChanges;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.ProfileStore;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.Label;
import javafx.scene.layout.VBox;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The graph view's overlays on real models, headless: shapes probed for every tensor, the latency heat after
 * Profile (measured in a worker), the side panel's figures, "Show in graph" from the candidate detail with
 * the changes and error overlays, sensitivity, and the SVG and PNG export.
 */
@Tag("ui")
@Tag("slow")
class GraphOverlayUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    @Test
    void latencyHeatSidePanelAndExport(FxRobot robot) throws Exception {
        robot.interact(() -> app.workbench().open(TestModels.digitsCnn()));
        robot.interact(() -> app.view().tabs().getSelectionModel().select(app.view().tabs().getTabs().stream()
                .filter(t -> "graphTab".equals(t.getId())).findFirst().orElseThrow()));
        GraphView view = app.view().graphView();
        waitUntil(120, () -> view.graph() != null && !view.layingOutProperty().get() && view.subject() != null);
        GraphModel g = fx(view::graph);
        for (GraphModel.Node n : g.nodes())
            for (String t : n.outputs()) assertNotEquals("shape not recorded", g.tensor(t).shape(), "every tensor has a shape: " + t);
        assertTrue(g.tensor("/net/net.0/Conv_output_0").shape().contains("[batch_size=1, 32, 8, 8]") || g.tensor("/net/net.0/Conv_output_0").shape().matches(".*\\[.*1, 32, 8, 8\\]"),
                g.tensor("/net/net.0/Conv_output_0").shape());

        robot.interact(() -> view.overlayChoice().setValue(GraphOverlay.Mode.LATENCY));
        assertTrue(fx(() -> view.canvas().overlay().legendText().getFirst()).contains("not measured"));

        robot.clickOn("#graphProfile");
        waitUntil(180, () -> !view.profilingProperty().get() && view.subject().profile() != null);
        GraphOverlay heat = fx(() -> view.canvas().overlay());
        assertEquals(GraphOverlay.Mode.LATENCY, heat.mode());
        assertTrue(heat.legendText().getFirst().startsWith("Share of the run (original") && heat.legendText().getFirst().contains("ms per profiled run)"), heat.legendText().toString());
        int conv = g.nodes().stream().filter(n -> n.name().equals("/net/net.3/Conv")).findFirst().orElseThrow().id();
        assertNotNull(heat.fill()[conv], "a measured node is coloured");
        assertNotEquals(GraphOverlay.HEAT_LOW, heat.fill()[conv]);

        robot.interact(() -> view.canvas().selectedProperty().set(conv));
        List<String> figures = fx(() -> labels(robot.lookup("#graphFigures").queryAs(VBox.class)));
        assertTrue(figures.getFirst().matches("[0-9.]+ ms · [0-9.]+% of the run"), figures.toString());
        assertTrue(figures.stream().anyMatch(f -> f.startsWith("fused with 2 node(s)")), figures.toString());

        Path svg = dir.resolve("cnn.svg"), png = dir.resolve("cnn.png");
        robot.interact(() -> {
            try {
                view.export(svg);
                view.export(png);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertEquals("svg", doc.getDocumentElement().getTagName());
        Set<String> titles = new HashSet<>();
        NodeList t = doc.getElementsByTagName("title");
        for (int i = 0; i < t.getLength(); i++) titles.add(t.item(i).getTextContent());
        for (GraphModel.Node n : g.nodes()) assertTrue(titles.contains(n.name()), "the SVG names " + n.name());
        assertTrue(doc.getDocumentElement().getTextContent().contains("Share of the run"), "the legend is exported");
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image.getWidth() > 100 && image.getHeight() > 100);
    }

    @Test
    void showInGraphOpensACandidateWithItsChangesAndError(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        OnnxModel mlp = OnnxModel.load(TestModels.digitsMlp());
        GroupFinder.Result analysis = GroupFinder.analyze(mlp);
        Set<String> layers = analysis.quantizable().stream().map(QuantizableLayer::id).collect(Collectors.toSet());
        String group = analysis.groups().getFirst().id();
        long id;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            id = s.addPending(GenomeJson.write(Genome.of(Map.of(group, 0.5), layers)), "test", 0).id();
        }
        robot.interact(() -> app.view().open(study));
        waitUntil(60, () -> app.workbench().study().row(id) != null && app.workbench().model().loadedModel() != null);
        robot.interact(() -> app.workbench().study().selectedProperty().set(app.workbench().study().row(id)));
        robot.interact(() -> app.workbench().study().showSelectedInGraph());
        GraphView view = app.view().graphView();
        waitUntil(120, () -> view.subject() != null && view.subject().title().equals("candidate #" + id) && !view.layingOutProperty().get());
        assertEquals("graphTab", fx(() -> app.view().tabs().getSelectionModel().getSelectedItem().getId()));
        assertEquals("candidate #" + id, fx(() -> robot.lookup("#graphSubject").queryAs(Label.class).getText()));

        GraphOverlay changes = fx(() -> view.canvas().overlay());
        assertEquals(GraphOverlay.Mode.CHANGES, changes.mode(), "a candidate opens on what it changed");
        GraphModel g = fx(view::graph);
        Map<CandidateChanges.Kind, Integer> kinds = new java.util.EnumMap<>(CandidateChanges.Kind.class);
        for (GraphModel.Node n : g.nodes()) {
            var f = view.subject().figures(n.name());
            if (f != null && f.change() != null) kinds.merge(f.change().kind(), 1, Integer::sum);
        }
        assertTrue(kinds.getOrDefault(CandidateChanges.Kind.ADDED, 0) > 0, "quantization adds nodes: " + kinds);
        assertTrue(kinds.getOrDefault(CandidateChanges.Kind.PRUNED, 0) + kinds.getOrDefault(CandidateChanges.Kind.PRECISION, 0) > 0, kinds.toString());
        boolean widthBadge = false;
        for (GraphModel.Node n : g.nodes()) if (changes.badge()[n.id()] != null && changes.badge()[n.id()].contains("→")) widthBadge = true;
        assertTrue(widthBadge, "a pruned node shows its width before → after");
        assertEquals(List.of("What candidate #" + id + " changed", "added by a transform", "pruned (before → after)", "other precision", "dropped or replaced"),
                changes.legendText());

        robot.interact(() -> view.overlayChoice().setValue(GraphOverlay.Mode.ERROR));
        GraphOverlay error = fx(() -> view.canvas().overlay());
        assertTrue(error.legendText().getFirst().startsWith("Relative L2 error"), error.legendText().toString());
        long coloured = java.util.Arrays.stream(error.fill()).filter(java.util.Objects::nonNull).count();
        assertTrue(coloured > 0, "compared nodes are coloured by their error");
        String jump = view.subject().firstJump();
        assertNotNull(jump, "an int8 candidate's error jumps somewhere");
        int jumpId = g.nodes().stream().filter(n -> n.name().equals(jump)).findFirst().orElseThrow().id();
        assertEquals("first jump", error.badge()[jumpId]);
        robot.interact(() -> view.canvas().selectedProperty().set(jumpId));
        List<String> figures = fx(() -> labels(robot.lookup("#graphFigures").queryAs(VBox.class)));
        assertTrue(figures.stream().anyMatch(f -> f.startsWith("error: relative L2 ")), figures.toString());
        assertTrue(figures.contains("the candidate's error first jumps here"), figures.toString());

        try (ProfileStore p = ProfileStore.open(study)) {
            assertTrue(p.latest(ProfileStore.candidate(id)).isEmpty(), "nothing is measured until asked");
        }
    }

    @Test
    void sensitivityScoresColourTheLayers(FxRobot robot) throws Exception {
        robot.interact(() -> app.workbench().open(TestModels.digitsMlp()));
        waitUntil(60, () -> app.workbench().model().summary() != null);
        robot.interact(() -> app.view().tabs().getSelectionModel().select(app.view().tabs().getTabs().stream()
                .filter(t -> "graphTab".equals(t.getId())).findFirst().orElseThrow()));
        GraphView view = app.view().graphView();
        waitUntil(120, () -> view.subject() != null && !view.layingOutProperty().get());
        robot.interact(() -> app.workbench().measureSensitivity(40));
        waitUntil(120, () -> app.workbench().sensitivity().reportProperty().get() != null && view.subject().figures().values().stream().anyMatch(f -> f.sensitivity() != null));
        robot.interact(() -> view.overlayChoice().setValue(GraphOverlay.Mode.SENSITIVITY));
        GraphOverlay o = fx(() -> view.canvas().overlay());
        assertTrue(o.legendText().getFirst().startsWith("Quality drop") || o.legendText().getFirst().startsWith("Sensitivity: not measured"), o.legendText().toString());
        long scored = view.subject().figures().values().stream().filter(f -> f.sensitivity() != null).count();
        assertEquals(app.workbench().sensitivity().reportProperty().get().layers().stream().filter(l -> l.error() == null).map(l -> l.layer()).distinct().count(), scored,
                "every scored layer carries its score");
    }

    static List<String> labels(VBox box) {
        return box.getChildren().stream().map(n -> ((Label) n).getText()).toList();
    }
}
