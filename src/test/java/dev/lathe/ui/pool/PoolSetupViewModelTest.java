package dev.lathe.ui.pool;

import dev.lathe.TestModels;
import dev.lathe.config.MeasuringConfig;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.client.PoolMeasurer;
import dev.lathe.ui.TestPreferences;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Notice;
import dev.lathe.ui.search.SearchViewModel;
import dev.lathe.ui.study.StudyViewModel;
import javafx.application.Platform;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.prefs.Preferences;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The form's Devices section without a window: what it says is wrong, the options it makes, the token read from
 * its file when Start is pressed (and never before, never kept), and the settings remembered in preferences.
 */
class PoolSetupViewModelTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void toolkit() {
        try {
            Platform.startup(() -> {});
        } catch (IllegalStateException alreadyRunning) {
            // another test of this JVM started it
        }
    }

    @Test
    void saysWhatIsMissingOrWrongUntilThePoolIsUsable() throws Exception {
        PoolSetupViewModel pool = new PoolSetupViewModel();
        assertEquals("", pool.problemProperty().get(), "a local search needs nothing");
        assertNull(pool.options(MeasuringConfig.DEFAULT), "a local search has no pool");

        pool.onPoolProperty().set(true);
        assertTrue(pool.problemProperty().get().startsWith("Name the pool"), pool.problemProperty().get());
        pool.poolNameProperty().set("rk 3588");
        assertTrue(pool.problemProperty().get().startsWith("Pool name: a pool name is 1-64 letters"), pool.problemProperty().get());
        pool.poolNameProperty().set("rk3588");
        assertTrue(pool.problemProperty().get().startsWith("List at least one agent as HOST:PORT"), pool.problemProperty().get());
        pool.membersProperty().set("board-1:5701, board-2");
        assertEquals("Members: expected HOST:PORT, got 'board-2'.", pool.problemProperty().get());
        pool.membersProperty().set("board-1:5701, board-2:99999");
        assertTrue(pool.problemProperty().get().contains("port in 1-65535"), pool.problemProperty().get());
        pool.membersProperty().set("board-1:5701, board-2:5701");
        assertTrue(pool.problemProperty().get().startsWith("Choose the file that holds the pool token"), pool.problemProperty().get());
        Path token = dir.resolve("pool-token");
        pool.tokenFileProperty().set(token.toString());
        assertEquals("The token file " + token + " does not exist.", pool.problemProperty().get());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> pool.options(MeasuringConfig.DEFAULT));
        assertEquals(pool.problemProperty().get(), refused.getMessage(), "Start refuses with the message the form shows");

        Files.writeString(token, "a-token-of-the-pool-0123456789");
        pool.recheck(); // what the form does when the token field loses focus
        assertEquals("", pool.problemProperty().get(), "the file is there now");
        PoolMeasurer.Options o = pool.options(MeasuringConfig.DEFAULT.withClock(dev.lathe.eval.timing.LatencyClock.WALL));
        assertEquals("rk3588", o.pool());
        assertEquals("[board-1:5701, board-2:5701]", o.members().toString());
        assertEquals(60, o.heartbeatSeconds());
        assertEquals(MeasuringConfig.DEFAULT.referenceEvery(), o.referenceEvery());
        assertEquals(MeasuringConfig.DEFAULT.referenceMinutes(), o.referenceMinutes());
    }

    @Test
    void theTokenIsReadFromItsFileWhenStartIsPressedAndNeverKept() throws Exception {
        Path token = dir.resolve("pool-token");
        Files.writeString(token, "short");
        PoolSetupViewModel pool = usable(token);
        Preferences node = new TestPreferences().node();
        try {
            pool.remember(node);
            // The form checks only that the file is there: its content is not read while the form is edited.
            assertEquals("", pool.problemProperty().get());
            IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class, () -> pool.options(MeasuringConfig.DEFAULT));
            assertTrue(tooShort.getMessage().contains("at least 16 characters"), tooShort.getMessage());

            String first = "the-first-token-of-this-pool";
            Files.writeString(token, first);
            assertEquals(PoolToken.of(first).fingerprint(), pool.options(MeasuringConfig.DEFAULT).token().fingerprint());
            // Each Start reads the file again: a token changed on disk is the one the next search uses.
            String second = "the-second-token-of-this-pool";
            Files.writeString(token, second);
            assertEquals(PoolToken.of(second).fingerprint(), pool.options(MeasuringConfig.DEFAULT).token().fingerprint());

            for (String key : node.keys()) {
                String value = node.get(key, "");
                assertFalse(value.contains(first) || value.contains(second), "preference " + key + " holds the token");
            }
            for (String shown : new String[] {pool.poolNameProperty().get(), pool.membersProperty().get(), pool.tokenFileProperty().get(),
                    pool.problemProperty().get(), pool.describe()})
                assertFalse(shown.contains(second), "the form shows the token: " + shown);
        } finally {
            node.removeNode();
        }
    }

    @Test
    void thePoolSettingsAreRememberedInPreferences() throws Exception {
        Path token = dir.resolve("pool-token");
        Files.writeString(token, "a-token-of-the-pool-0123456789");
        Preferences node = new TestPreferences().node();
        try {
            PoolSetupViewModel first = new PoolSetupViewModel();
            first.remember(node);
            first.onPoolProperty().set(true);
            first.poolNameProperty().set("jetson");
            first.membersProperty().set("10.0.0.5:5701");
            first.tokenFileProperty().set(token.toString());
            first.heartbeatSecondsProperty().set(15);
            node.flush();

            PoolSetupViewModel next = new PoolSetupViewModel();
            next.remember(node);
            assertTrue(next.isOnPool());
            assertEquals("jetson", next.poolNameProperty().get());
            assertEquals("10.0.0.5:5701", next.membersProperty().get());
            assertEquals(token.toString(), next.tokenFileProperty().get());
            assertEquals(15, next.heartbeatSecondsProperty().get());
            assertEquals("", next.problemProperty().get());
        } finally {
            node.removeNode();
        }
    }

    @Test
    void startIsRefusedWithTheTokenFilesProblemAndNothingRuns() throws Exception {
        Path token = dir.resolve("pool-token");
        Files.writeString(token, "short");
        Background background = new Background();
        SearchViewModel search = new SearchViewModel(background);
        StudyViewModel study = new StudyViewModel(background);
        Path studyFile = dir.resolve("never.lathe");
        CompletableFuture<Boolean> started = new CompletableFuture<>();
        Platform.runLater(() -> {
            PoolSetupViewModel pool = search.pool();
            pool.onPoolProperty().set(true);
            pool.poolNameProperty().set("rk3588");
            pool.membersProperty().set("127.0.0.1:5701");
            pool.tokenFileProperty().set(token.toString());
            search.studyPathProperty().set(studyFile.toString());
            started.complete(search.start(TestModels.digitsMlp(), study));
        });
        assertFalse(started.get(30, TimeUnit.SECONDS), "a token file that holds no usable token stops Start");
        CompletableFuture<Notice> notice = new CompletableFuture<>();
        Platform.runLater(() -> notice.complete(background.noticeProperty().get()));
        Notice n = notice.get(30, TimeUnit.SECONDS);
        assertEquals(Notice.Level.ERROR, n.level());
        assertTrue(n.text().startsWith("Cannot start the search: the pool token must have at least 16 characters"), n.text());
        assertFalse(search.isRunning());
        assertFalse(Files.exists(studyFile), "no study file was made");
        assertTrue(search.poolDevices().isEmpty());
    }

    private static PoolSetupViewModel usable(Path token) {
        PoolSetupViewModel pool = new PoolSetupViewModel();
        pool.onPoolProperty().set(true);
        pool.poolNameProperty().set("rk3588");
        pool.membersProperty().set("127.0.0.1:5701");
        pool.tokenFileProperty().set(token.toString());
        return pool;
    }
}
