package dev.lathe.ui.pool;

import dev.lathe.config.MeasuringConfig;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.client.PoolMeasurer;
import dev.lathe.pool.net.HazelcastSetup;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.prefs.Preferences;

/**
 * Where a search measures: on this machine, or on the devices of a pool ({@code search --pool}). The form holds
 * the pool's name, its members and the path of the token file, never the token: {@link #options} reads the file
 * when Start is pressed, so the secret is neither shown nor kept in the window or the preferences.
 */
public final class PoolSetupViewModel {
    /** How long Start waits for a first device to accept the search, as the command line. */
    static final double WAIT_SECONDS = 60;
    private static final String PREFIX = "pool.";

    private final BooleanProperty onPool = new SimpleBooleanProperty(false);
    private final StringProperty poolName = new SimpleStringProperty("");
    private final StringProperty members = new SimpleStringProperty("");
    private final StringProperty tokenFile = new SimpleStringProperty("");
    private final ObjectProperty<Integer> heartbeatSeconds = new SimpleObjectProperty<>(60);
    private final StringBinding problem;

    public PoolSetupViewModel() {
        problem = Bindings.createStringBinding(this::check, onPool, poolName, members, tokenFile, heartbeatSeconds);
    }

    /** True: measure on the pool's devices; false: on this machine. */
    public BooleanProperty onPoolProperty() { return onPool; }

    /** The pool's name, the {@code --pool} its agents were started with. */
    public StringProperty poolNameProperty() { return poolName; }

    /** Agents to connect to, HOST:PORT separated by commas. */
    public StringProperty membersProperty() { return members; }

    /** The file that holds the pool token; read only when a search starts. */
    public StringProperty tokenFileProperty() { return tokenFile; }

    /** How long a silent device is waited for before its candidate goes elsewhere. */
    public ObjectProperty<Integer> heartbeatSecondsProperty() { return heartbeatSeconds; }

    /** What keeps the pool settings from being used, or "" when they look usable (or the search is local). */
    public StringBinding problemProperty() { return problem; }

    /** Checks again what the form cannot see change, the token file appearing or going; Start always checks afresh. */
    public void recheck() { problem.invalidate(); }

    /** Whether the next search measures on a pool. */
    public boolean isOnPool() { return onPool.get(); }

    private String check() {
        if (!onPool.get()) return "";
        String name = poolName.get() == null ? "" : poolName.get().strip();
        if (name.isEmpty()) return "Name the pool: the --pool its agents were started with.";
        try {
            HazelcastSetup.clusterName(name);
        } catch (IllegalArgumentException e) {
            return "Pool name: " + e.getMessage() + ".";
        }
        try {
            if (HazelcastSetup.Address.parseList(members.get()).isEmpty()) return "List at least one agent as HOST:PORT (several separated by commas).";
        } catch (IllegalArgumentException e) {
            return "Members: " + e.getMessage() + ".";
        }
        String file = tokenFile.get() == null ? "" : tokenFile.get().strip();
        if (file.isEmpty()) return "Choose the file that holds the pool token (the one the agents were given).";
        try {
            if (!Files.isRegularFile(Path.of(file))) return "The token file " + file + " does not exist.";
        } catch (InvalidPathException e) {
            return "The token file " + file + " is not a valid path.";
        }
        Integer hb = heartbeatSeconds.get();
        if (hb == null || hb < 1) return "The heartbeat must be at least 1 second.";
        return "";
    }

    /**
     * The pool to measure on, with the token read from its file now, and {@code measuring}'s reference schedule;
     * null for a local search. Throws IllegalArgumentException naming the problem (the settings, or the token file).
     */
    public PoolMeasurer.Options options(MeasuringConfig measuring) {
        if (!onPool.get()) return null;
        String why = check();
        if (!why.isEmpty()) throw new IllegalArgumentException(why);
        PoolToken token = PoolToken.read(Path.of(tokenFile.get().strip()));
        return new PoolMeasurer.Options(poolName.get().strip(), HazelcastSetup.Address.parseList(members.get()), token, heartbeatSeconds.get(),
                measuring.referenceEvery(), measuring.referenceMinutes(), WAIT_SECONDS);
    }

    /** A short description for the log: where the search measures. */
    public String describe() {
        return onPool.get() ? "on pool " + poolName.get().strip() + " (" + members.get().strip() + ")" : "on this machine";
    }

    /** Takes the settings from {@code node} and writes them back there as they change (the token's path, never the token). */
    public void remember(Preferences node) {
        onPool.set(node.getBoolean(PREFIX + "on", onPool.get()));
        poolName.set(node.get(PREFIX + "name", poolName.get()));
        members.set(node.get(PREFIX + "members", members.get()));
        tokenFile.set(node.get(PREFIX + "tokenFile", tokenFile.get()));
        heartbeatSeconds.set(node.getInt(PREFIX + "heartbeatSeconds", heartbeatSeconds.get()));
        onPool.addListener((o, a, v) -> node.putBoolean(PREFIX + "on", v));
        poolName.addListener((o, a, v) -> node.put(PREFIX + "name", v == null ? "" : v));
        members.addListener((o, a, v) -> node.put(PREFIX + "members", v == null ? "" : v));
        tokenFile.addListener((o, a, v) -> node.put(PREFIX + "tokenFile", v == null ? "" : v));
        heartbeatSeconds.addListener((o, a, v) -> {
            if (v != null) node.putInt(PREFIX + "heartbeatSeconds", v);
        });
    }
}
