package dev.lathe.ui.app;

import dev.lathe.ui.Workbench;

import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.prefs.BackingStoreException;
import java.util.prefs.Preferences;

/**
 * What the workbench remembers between runs, in a {@link Preferences} node: the recent models and studies
 * (newest first), the window's bounds and the last folder of each file dialog. The application uses
 * {@link #user()}; tests hand in a node of their own so they never touch the user's.
 */
public final class UiPreferences {
    /** How many recent models and studies are kept. */
    static final int MAX_RECENT = 10;

    private static final String RECENT_MODELS = "recent.models.";
    private static final String RECENT_STUDIES = "recent.studies.";
    private static final String FOLDER = "folder.";
    private static final String WINDOW = "window.";

    /** A window's position and size in screen coordinates, and whether it was maximised. */
    public record WindowBounds(double x, double y, double width, double height, boolean maximized) {}

    private final Preferences node;
    private final ObservableList<Path> recentModels;
    private final ObservableList<Path> recentStudies;
    // Held here: an unmodifiable wrapper only weakly listens to its list, so a fresh one per call would lose listeners.
    private final ObservableList<Path> recentModelsView;
    private final ObservableList<Path> recentStudiesView;

    public UiPreferences(Preferences node) {
        this.node = node;
        this.recentModels = FXCollections.observableArrayList(readList(RECENT_MODELS));
        this.recentStudies = FXCollections.observableArrayList(readList(RECENT_STUDIES));
        this.recentModelsView = FXCollections.unmodifiableObservableList(recentModels);
        this.recentStudiesView = FXCollections.unmodifiableObservableList(recentStudies);
    }

    /** The user's own preferences: the {@code /dev/lathe/ui} node (named, not this class's package, so moving it loses nothing). */
    public static UiPreferences user() {
        return new UiPreferences(Preferences.userRoot().node("/dev/lathe/ui"));
    }

    public Preferences node() { return node; }

    /** Recently opened models, newest first; change them through {@link #addRecentModel} and {@link #removeRecentModel}. */
    public ObservableList<Path> recentModels() { return recentModelsView; }

    public ObservableList<Path> recentStudies() { return recentStudiesView; }

    public void addRecentModel(Path file) { push(recentModels, RECENT_MODELS, file); }

    public void addRecentStudy(Path file) { push(recentStudies, RECENT_STUDIES, file); }

    public void removeRecentModel(Path file) {
        recentModels.remove(normal(file));
        writeList(RECENT_MODELS, recentModels);
    }

    public void removeRecentStudy(Path file) {
        recentStudies.remove(normal(file));
        writeList(RECENT_STUDIES, recentStudies);
    }

    /**
     * Keeps the recent lists up to date: every model the workbench opens (the bundled samples aside, the start
     * page lists them anyway) and every study it shows, opened or written by a search.
     */
    public void rememberRecent(Workbench workbench) {
        workbench.model().pathProperty().addListener((o, a, p) -> {
            if (p != null && dev.lathe.SampleModels.available().stream().noneMatch(s -> normal(s.model()).equals(normal(p)))) addRecentModel(p);
        });
        workbench.study().fileProperty().addListener((o, a, f) -> {
            if (f != null) addRecentStudy(f);
        });
    }

    /** The folder the dialog named {@code dialog} was last left in, if it still exists. */
    public Optional<Path> folder(String dialog) {
        String v = node.get(FOLDER + dialog, null);
        if (v == null) return Optional.empty();
        try {
            Path p = Path.of(v);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** Remembers where {@code chosen} lies (a file's folder, or the folder itself) for the dialog named {@code dialog}. */
    public void rememberFolder(String dialog, Path chosen) {
        if (chosen == null) return;
        Path abs = chosen.toAbsolutePath().normalize();
        Path dir = Files.isDirectory(abs) ? abs : abs.getParent();
        if (dir != null && dir.toString().length() <= Preferences.MAX_VALUE_LENGTH) write(() -> node.put(FOLDER + dialog, dir.toString()));
    }

    public Optional<WindowBounds> windowBounds() {
        double w = node.getDouble(WINDOW + "width", -1), h = node.getDouble(WINDOW + "height", -1);
        if (w <= 0 || h <= 0) return Optional.empty();
        return Optional.of(new WindowBounds(node.getDouble(WINDOW + "x", 0), node.getDouble(WINDOW + "y", 0), w, h,
                node.getBoolean(WINDOW + "maximized", false)));
    }

    public void saveWindowBounds(WindowBounds b) {
        write(() -> {
            node.putDouble(WINDOW + "x", b.x());
            node.putDouble(WINDOW + "y", b.y());
            node.putDouble(WINDOW + "width", b.width());
            node.putDouble(WINDOW + "height", b.height());
            node.putBoolean(WINDOW + "maximized", b.maximized());
        });
    }

    /** Writes everything to the backing store now (the JDK also does so on its own, later). */
    public void flush() {
        try {
            node.flush();
        } catch (BackingStoreException | IllegalStateException | SecurityException e) {
            // see write()
        }
    }

    private void push(ObservableList<Path> list, String prefix, Path file) {
        Path p = normal(file);
        if (p.toString().length() > Preferences.MAX_VALUE_LENGTH) return;
        List<Path> next = new ArrayList<>(list);
        next.remove(p);
        next.addFirst(p);
        while (next.size() > MAX_RECENT) next.removeLast();
        list.setAll(next);
        writeList(prefix, list);
    }

    private List<Path> readList(String prefix) {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < MAX_RECENT; i++) {
            String v = node.get(prefix + i, null);
            if (v == null) break;
            try {
                Path p = Path.of(v);
                if (!out.contains(p)) out.add(p);
            } catch (InvalidPathException e) {
                // a path written on another system: skip it
            }
        }
        return out;
    }

    private void writeList(String prefix, List<Path> list) {
        write(() -> {
            for (int i = 0; i < MAX_RECENT; i++) {
                if (i < list.size()) node.put(prefix + i, list.get(i).toString());
                else node.remove(prefix + i);
            }
        });
    }

    /** Preferences are a convenience: a store that cannot be written (removed, read-only) must never stop the application. */
    private static void write(Runnable change) {
        try {
            change.run();
        } catch (IllegalStateException | SecurityException e) {
            // nothing remembered this time
        }
    }

    private static Path normal(Path p) {
        return p.toAbsolutePath().normalize();
    }
}
