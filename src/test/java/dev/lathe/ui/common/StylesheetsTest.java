package dev.lathe.ui.common;

import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;

import java.io.InputStream;
import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The window is styled from the stylesheets in resources: both are on the scene and their rules reach the nodes. */
@Tag("ui")
class StylesheetsTest extends WorkbenchUiTest {
    @Test
    void theWindowTakesBothStylesheetsFromResources(FxRobot robot) throws Exception {
        List<String> sheets = fx(() -> List.copyOf(robot.lookup("#root").query().getScene().getStylesheets()));
        assertEquals(Stylesheets.all(), sheets);
        for (String sheet : sheets) {
            assertTrue(sheet.endsWith(".css") && !sheet.startsWith("data:"), sheet);
            try (InputStream in = URI.create(sheet).toURL().openStream()) {
                assertTrue(new String(in.readAllBytes()).contains("-fx-"), sheet);
            }
        }
        // .app-name { -fx-font-size: 16px } is in lathe.css, .welcome-title { -fx-font-size: 24px } in workbench-views.css.
        assertEquals(16.0, fx(() -> robot.lookup(".app-name").queryAs(Label.class).getFont().getSize()), 0.01);
        assertEquals(24.0, fx(() -> robot.lookup(".welcome-title").queryAs(Label.class).getFont().getSize()), 0.01);
    }
}
