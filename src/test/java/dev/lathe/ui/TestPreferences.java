package dev.lathe.ui;

import dev.lathe.ui.app.UiPreferences;

import java.util.UUID;
import java.util.prefs.BackingStoreException;
import java.util.prefs.Preferences;

/** A preferences node of the test's own, outside the user's {@code /dev/lathe/ui}, removed when the test ends. */
public final class TestPreferences implements AutoCloseable {
    private final Preferences node = Preferences.userRoot().node("lathe-ui-tests/" + UUID.randomUUID());

    public Preferences node() { return node; }

    public UiPreferences open() { return new UiPreferences(node); }

    @Override
    public void close() throws BackingStoreException {
        // Only the test's own node goes: removing the shared parent as well raced the JVM's background sync of it
        // ("Prefs file removed in background" on the next test). The tests' preferences root is under target/.
        node.removeNode();
        Preferences.userRoot().flush();
    }
}
