package dev.lathe.ui.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.TestModels;
import dev.lathe.model.OnnxModel;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.geometry.Point2D;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The graph view on all-MiniLM-L6-v2, driven headless: the graph is laid out off the FX thread when the model
 * opens, Ctrl+F and Enter find and centre a node, the side panel shows its attributes and tensor shapes,
 * clicking selects, dragging pans, and only the visible part of the graph is drawn.
 */
@Tag("ui")
class GraphViewTest extends WorkbenchUiTest {
    private static final String SOFTMAX = "/encoder/layer.2/attention/self/Softmax";




    @Test
    void miniLmGraphIsFoundInspectedAndBrowsed(FxRobot robot) throws Exception {
        ModelProto proto = OnnxModel.load(TestModels.minilm()).proto();
        robot.interact(() -> app.workbench().open(TestModels.minilm()));
        GraphView view = app.view().graphView();
        GraphCanvas canvas = view.canvas();
        waitUntil(180, () -> view.graph() != null && !view.layingOutProperty().get());
        GraphModel graph = fx(view::graph);
        GraphLayout layout = fx(canvas::graphLayout);
        System.out.printf("graph view: all-MiniLM-L6-v2 laid out in %d ms (%d nodes, %d layers)%n", layout.millis, graph.nodes().size(), layout.layerCount);
        assertEquals(proto.getGraph().getNodeCount() + 3 + proto.getGraph().getOutputCount(), graph.nodes().size());

        // Ctrl+F shows the graph and puts the cursor in the find field.
        robot.press(KeyCode.CONTROL, KeyCode.F).release(KeyCode.F, KeyCode.CONTROL);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals("graphTab", fx(() -> app.view().tabs().getSelectionModel().getSelectedItem().getId()));
        assertTrue(fx(() -> robot.lookup("#graphFind").queryAs(TextField.class).isFocused()));

        // Find a node by its name; Enter selects it, centres it and fills the side panel.
        robot.write(SOFTMAX);
        assertEquals("1 match", fx(() -> robot.lookup("#graphMatches").queryAs(Label.class).getText()));
        robot.type(KeyCode.ENTER);
        int softmax = graph.nodes().stream().filter(n -> n.name().equals(SOFTMAX)).findFirst().orElseThrow().id();
        assertEquals(softmax, (int) fx(() -> canvas.selectedProperty().get()));
        assertEquals("Softmax", fx(() -> robot.lookup("#graphNodeOp").queryAs(Label.class).getText()));
        assertEquals(SOFTMAX, fx(() -> robot.lookup("#graphNodeName").queryAs(Label.class).getText()));
        NodeProto softmaxProto = proto.getGraph().getNodeList().stream().filter(n -> n.getName().equals(SOFTMAX)).findFirst().orElseThrow();
        AttributeProto axis = softmaxProto.getAttribute(0);
        assertEquals(List.of("axis", Long.toString(axis.getI())), fx(() -> texts(robot.lookup("#graphAttributes").query())));
        assertEquals(List.of(softmaxProto.getInput(0), "[batch=1, 12, sequence=128, sequence=128]"), fx(() -> texts(robot.lookup("#graphInputs").query())),
                "MiniLM records no value_info: the shape comes from one probing run, its dynamic dimensions named");
        double[] centre = fx(() -> canvas.screenPosition(softmax));
        assertEquals(fx(canvas::getWidth) / 2, centre[0], 1.0);
        assertEquals(fx(canvas::getHeight) / 2, centre[1], 1.0);
        // Only what is in view is drawn.
        int drawn = fx(canvas::drawnNodes);
        assertTrue(drawn > 0 && drawn < graph.nodes().size() / 4, "drew " + drawn + " of " + graph.nodes().size());

        // Find by operator type: Enter steps through the matches in reading order, top to bottom.
        robot.interact(() -> robot.lookup("#graphFind").queryAs(TextField.class).setText("matmul"));
        long matMuls = proto.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count();
        assertEquals(matMuls + " matches", fx(() -> robot.lookup("#graphMatches").queryAs(Label.class).getText()));
        robot.clickOn("#graphFind").type(KeyCode.ENTER);
        int first = fx(() -> canvas.selectedProperty().get());
        robot.type(KeyCode.ENTER);
        int second = fx(() -> canvas.selectedProperty().get());
        assertEquals("MatMul", graph.node(first).opType());
        assertEquals("MatMul", graph.node(second).opType());
        assertTrue(layout.layer[first] <= layout.layer[second]);
        assertEquals("2 of " + matMuls, fx(() -> robot.lookup("#graphMatches").queryAs(Label.class).getText()));
        // Its weight is an initializer: the panel gives its type and dimensions.
        String weight = graph.node(second).inputs().stream().filter(t -> graph.tensor(t).initializer()).findFirst().orElseThrow();
        String dims = proto.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(weight)).findFirst().orElseThrow().getDimsList().toString();
        List<String> inputs = fx(() -> texts(robot.lookup("#graphInputs").query()));
        assertTrue(inputs.contains(weight) && inputs.contains("float32" + dims) && inputs.contains("weight"), inputs::toString);

        // Clicking another visible node selects it.
        int neighbour = graph.edges().stream().filter(e -> e.to() == second).findFirst().orElseThrow().from();
        Point2D at = fx(() -> {
            double[] p = canvas.screenPosition(neighbour);
            return canvas.localToScreen(p[0], p[1]);
        });
        robot.clickOn(at);
        assertEquals(neighbour, (int) fx(() -> canvas.selectedProperty().get()));

        // Dragging pans by as much as the mouse moved.
        double[] before = fx(() -> canvas.screenPosition(neighbour));
        robot.drag(at.add(0, 60)).moveBy(120, 40).drop();
        double[] after = fx(() -> canvas.screenPosition(neighbour));
        assertEquals(before[0] + 120, after[0], 2);
        assertEquals(before[1] + 40, after[1], 2);
        assertEquals(neighbour, (int) fx(() -> canvas.selectedProperty().get()), "a drag is not a click");

        // Zoom buttons; Fit shows (and draws) the whole graph.
        double scale = fx(canvas::scale);
        robot.clickOn("#graphZoomIn");
        assertEquals(scale * 1.25, fx(canvas::scale), 1e-9);
        robot.clickOn("#graphFit");
        assertEquals(graph.nodes().size(), (int) fx(canvas::drawnNodes));
        assertNotEquals(scale, fx(canvas::scale));
    }

    private static List<String> texts(Node root) {
        return new FxRobot().from(root).lookup(".label").queryAllAs(Label.class).stream().map(Label::getText).toList();
    }


}
