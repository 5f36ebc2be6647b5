package dev.lathe.ui.app;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class WindowStartTest {
    @Test
    void linuxWithoutAnyDisplayIsToldSoWithTheCommandLineAsTheWayOut() {
        String why = WindowStart.whyNoWindow(Map.of(), "Linux");
        assertNotNull(why);
        assertTrue(why.contains("DISPLAY") && why.contains("--help"), why);
        assertNull(WindowStart.whyNoWindow(Map.of("DISPLAY", ":0"), "Linux"));
        assertNull(WindowStart.whyNoWindow(Map.of("WAYLAND_DISPLAY", "wayland-0"), "Linux"));
        assertNull(WindowStart.whyNoWindow(Map.of(), "Windows 11"), "Windows and macOS always have a display");
    }

    @Test
    void glassFailuresBecomeOneLineWithTheFix() {
        String gtk = WindowStart.explain(new UnsupportedOperationException("Unable to load glass GTK library."));
        assertTrue(gtk.contains("GTK 3") && gtk.contains("apt install libgtk-3-0"), gtk);
        String wrapped = WindowStart.explain(new RuntimeException("start failed", new UnsupportedOperationException("Unable to open DISPLAY")));
        assertTrue(wrapped.contains("cannot open the display"), wrapped);
        assertNull(WindowStart.explain(new IllegalStateException("something else")), "other failures keep their own trace");
    }
}
