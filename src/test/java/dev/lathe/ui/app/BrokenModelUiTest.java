package dev.lathe.ui.app;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.lathe.TestModels;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.common.Notice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The window opens (or is dropped, or picks from the recent list) models through the same gate as the CLI. */
@Tag("ui")
class BrokenModelUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    @Test
    void aBrokenModelGetsOneLineInTheErrorNoticeAndIsNotRemembered(FxRobot robot) throws Exception {
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(TestModels.digitsMlp()));
        var cyclic = p.toBuilder();
        cyclic.getGraphBuilder().getNodeBuilder(0).setInput(0, p.getGraph().getNode(2).getOutput(0));
        var unknown = p.toBuilder();
        unknown.getGraphBuilder().getNodeBuilder(1).setOpType("FooBar");
        var dangling = p.toBuilder();
        dangling.getGraphBuilder().getNodeBuilder(1).setInput(0, "nowhere");
        for (var c : List.of(new Object[] {"cyclic.onnx", cyclic, "has a cycle"}, new Object[] {"unknown-op.onnx", unknown, "uses an unknown operator"},
                new Object[] {"dangling.onnx", dangling, "reads an undefined tensor"})) {
            Path file = dir.resolve((String) c[0]);
            Files.write(file, ((ModelProto.Builder) c[1]).build().toByteArray());
            robot.interact(() -> app.view().open(file));
            waitUntil(30, () -> app.workbench().background().noticeProperty().get() != null
                    && app.workbench().background().noticeProperty().get().text().contains((String) c[0]));
            Notice n = fx(() -> app.workbench().background().noticeProperty().get());
            assertEquals(Notice.Level.ERROR, n.level());
            assertTrue(n.text().startsWith("Could not open " + c[0] + ": " + c[2]), n.text());
            assertFalse(n.text().contains("\n") || n.text().contains("Exception") || n.text().contains("ORT_"), n.text());
            assertNull(fx(() -> app.workbench().model().pathProperty().get()), "nothing was opened");
        }
        assertEquals(List.of(), fx(() -> List.copyOf(prefs.open().recentModels())), "a refused model is not a recent one");
    }
}
