package dev.lathe.ui;

import dev.lathe.ui.app.LatheApp;

import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every headless test of the whole window shares: the workbench opened in a stage of its own, remembering
 * into a preferences node of the test's own (removed afterwards), and reading or waiting on the FX thread.
 */
@ExtendWith(ApplicationExtension.class)
@Tag("ui")
public abstract class WorkbenchUiTest {
    protected final TestPreferences prefs = new TestPreferences();
    protected LatheApp app;

    // A @BeforeEach rather than TestFX's @Start, which it looks for only among the test class's own methods.
    @BeforeEach
    void openWindow() throws Exception {
        Stage stage = FxToolkit.registerPrimaryStage();
        FxToolkit.setupFixture(() -> {
            beforeWindow(stage);
            app = new LatheApp(prefs.open());
            app.start(stage);
            return null;
        });
    }

    /** What a test puts in place before the window opens, such as files its preferences remember. */
    protected void beforeWindow(Stage stage) throws Exception {}

    @AfterEach
    void removePreferences() throws Exception {
        prefs.close();
    }

    /** {@code read} run on the FX thread. */
    public static <T> T fx(Callable<T> read) throws Exception {
        return WaitForAsyncUtils.asyncFx(read).get(30, TimeUnit.SECONDS);
    }

    /** As {@link #fx}, null where reading failed (for polling a view that may not be there yet). */
    public static <T> T fxQuiet(Callable<T> read) {
        try {
            return fx(read);
        } catch (Exception e) {
            return null;
        }
    }

    /** Waits until {@code condition}, read on the FX thread, holds, then lets pending FX events run. */
    public static void waitUntil(int seconds, Callable<Boolean> condition) throws TimeoutException {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, () -> fx(condition));
        WaitForAsyncUtils.waitForFxEvents();
    }
}
