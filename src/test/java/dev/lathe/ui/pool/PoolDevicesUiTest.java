package dev.lathe.ui.pool;

import dev.lathe.pool.AgentJvm;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchUiTest;
import javafx.scene.control.Label;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A pool search started from the window against two real agents (JVMs of their own on 127.0.0.1, a random pool
 * name): the Devices section is filled in as a user would, the Devices tab fills while the search runs, and at the
 * end it shows both devices with the candidates each measured and its last reference, as the study records them.
 */
@Tag("ui")
@Tag("slow")
class PoolDevicesUiTest extends WorkbenchUiTest {
    @TempDir
    Path dir;

    @Test
    void aPoolSearchFromTheFormFillsTheDevicesTable(FxRobot robot) throws Exception {
        String pool = "ui-" + UUID.randomUUID().toString().substring(0, 8);
        String secret = "a-pool-token-for-the-window-" + pool;
        Path token = dir.resolve("token");
        Files.writeString(token, secret);
        Path studyFile = dir.resolve("pool.lathe");
        int budget = 8;
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir)) {
            Workbench wb = app.workbench();
            robot.clickOn("#sample-digits-mlp");
            waitUntil(60, () -> wb.model().summary() != null);
            robot.interact(() -> {
                app.view().selectSearchTab();
                wb.search().budgetProperty().set(budget);
                wb.search().quickTimingProperty().set(true);
                wb.search().criterionProperty().set("activation");
                wb.search().precisions().sensitivitySamplesProperty().set(0);
                wb.search().studyPathProperty().set(studyFile.toString());
            });
            robot.interact(() -> robot.lookup("#measureOnPool").queryAs(javafx.scene.control.RadioButton.class).fire());
            assertTrue(fx(() -> robot.lookup("#poolProblem").queryAs(Label.class).getText()).startsWith("Name the pool"));
            robot.interact(() -> {
                robot.lookup("#poolNameField").queryAs(javafx.scene.control.TextField.class).setText(pool);
                robot.lookup("#poolMembersField").queryAs(javafx.scene.control.TextField.class).setText(a.address() + "," + b.address());
                robot.lookup("#poolTokenField").queryAs(javafx.scene.control.TextField.class).setText(token.toString());
                wb.search().pool().heartbeatSecondsProperty().set(6);
            });
            assertFalse(fx(() -> robot.lookup("#poolProblem").queryAs(Label.class).isVisible()), "the settings are usable");

            robot.interact(() -> robot.lookup("#bottomTabs").queryAs(TabPane.class).getSelectionModel()
                    .select(robot.lookup("#bottomTabs").queryAs(TabPane.class).getTabs().stream().filter(t -> "devicesTab".equals(t.getId())).findFirst().orElseThrow()));
            robot.clickOn("#startButton");
            @SuppressWarnings("unchecked")
            TableView<PoolDevicesViewModel.Row> table = robot.lookup("#devicesTable").queryAs(TableView.class);
            // While it runs: both devices listed, one or both at work.
            waitUntil(180, () -> table.getItems().size() == 2 && table.getItems().stream().anyMatch(r -> r.state().equals("measuring") || r.measured() > 0));
            assertTrue(fx(() -> wb.search().isRunning()), "the table filled while the search ran");
            waitUntil(300, () -> !wb.search().isRunning());
            assertTrue(fx(() -> robot.lookup("#progressLabel").queryAs(Label.class).getText()).startsWith("Finished: " + budget + " / " + budget),
                    fx(() -> String.join("\n", wb.search().log())));

            List<PoolDevicesViewModel.Row> rows = fx(() -> List.copyOf(table.getItems()));
            assertEquals(Set.of("alpha", "beta"), Set.of(rows.get(0).name(), rows.get(1).name()));
            assertEquals("Devices (2)", fx(() -> robot.lookup("#bottomTabs").queryAs(TabPane.class).getTabs().stream()
                    .filter(t -> "devicesTab".equals(t.getId())).findFirst().orElseThrow().getText()));
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(studyFile)) {
                for (PoolDevicesViewModel.Row r : rows) {
                    assertEquals("idle", r.state(), r.toString());
                    assertEquals("", r.current(), r.toString());
                    assertTrue(r.lastReference().endsWith(" ms"), r.toString());
                    long inStudy = s.all().stream().filter(c -> c.status() == CandidateStatus.DONE && r.name().equals(c.device())).count();
                    assertEquals(inStudy, r.measured(), "the table counts what the study records for " + r.name());
                    double last = s.references().stream().filter(x -> r.name().equals(x.device())).reduce((x, y) -> y).orElseThrow().latencyMs();
                    assertEquals(String.format(java.util.Locale.ROOT, "%.4g ms", last), r.lastReference(), "the device's last reference");
                }
                Set<String> devices = new HashSet<>();
                for (CandidateRecord c : s.all()) devices.add(c.device());
                assertEquals(Set.of("alpha", "beta"), devices, "the work went to both devices");
            }
            assertEquals(budget, a.status().measured() + b.status().measured(), "each candidate measured once, on the agents");

            // Remembered for the next window: the pool and the token file's path, never the token.
            assertEquals(pool, prefs.node().get("pool.name", null));
            assertEquals(token.toString(), prefs.node().get("pool.tokenFile", null));
            for (String key : prefs.node().keys()) assertFalse(prefs.node().get(key, "").contains(secret), key);
            assertFalse(fx(() -> String.join("\n", wb.search().log())).contains(secret), "the log never shows the token");
        }
    }
}
