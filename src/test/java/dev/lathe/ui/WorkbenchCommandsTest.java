package dev.lathe.ui;

import dev.lathe.SampleModels;
import javafx.scene.control.Button;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The menu item and the button of one command agree on whether it may run, in every state of the workbench. */
@Tag("ui")
class WorkbenchCommandsTest extends WorkbenchUiTest {
    private static SampleModels.Sample sample(String name) {
        return SampleModels.available().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private MenuItem menuItem(FxRobot robot, String id) {
        MenuBar bar = robot.lookup("#menuBar").queryAs(MenuBar.class);
        return bar.getMenus().stream().flatMap(m -> m.getItems().stream()).filter(i -> id.equals(i.getId())).findFirst().orElseThrow();
    }

    /** Whether Start's menu item and button are disabled, with the model's loading state, read together on the FX thread. */
    private Map<String, Boolean> startState(FxRobot robot) {
        return Map.of("loading", app.workbench().model().loadingProperty().get(),
                "menuDisabled", menuItem(robot, "startMenu").isDisable(),
                "buttonDisabled", robot.lookup("#startButton").queryAs(Button.class).isDisabled());
    }

    @Test
    void startsMenuItemAndButtonAgreeWhileAModelLoads(FxRobot robot) throws Exception {
        robot.interact(() -> app.view().selectSearchTab());
        assertEquals(Map.of("loading", false, "menuDisabled", true, "buttonDisabled", true), fx(() -> startState(robot)), "no model yet");

        robot.interact(() -> app.workbench().openSample(sample("digits-mlp")));
        waitUntil(60, () -> app.workbench().model().summaryProperty().get() != null && !app.workbench().model().loadingProperty().get());
        assertEquals(Map.of("loading", false, "menuDisabled", false, "buttonDisabled", false), fx(() -> startState(robot)), "model loaded");

        // Opening another model: the first one's summary is still shown while the second is read. Read in the same
        // FX event as the open, before the load can finish, so the loading state is certain to be seen.
        Map<String, Boolean> whileLoading = fx(() -> {
            app.workbench().openSample(sample("digits-cnn"));
            return startState(robot);
        });
        assertEquals(Map.of("loading", true, "menuDisabled", true, "buttonDisabled", true), whileLoading, "second model loading");

        waitUntil(60, () -> !app.workbench().model().loadingProperty().get());
        assertEquals(Map.of("loading", false, "menuDisabled", false, "buttonDisabled", false), fx(() -> startState(robot)), "second model loaded");
        assertEquals(List.of("digits-cnn"), fx(() -> List.of(app.workbench().model().name())));
    }
}
