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
        Preferences parent = node.parent();
        node.removeNode();
        if (parent.childrenNames().length == 0 && parent.keys().length == 0) parent.removeNode();
        Preferences.userRoot().flush();
    }
}
