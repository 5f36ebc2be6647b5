package dev.lathe.study;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;

/**
 * Per-node profiles kept in a study file, so each is measured once: one row per subject (the original, or a
 * candidate by id) and measuring settings (threads, shape, provider), holding the profile's JSON. The table is
 * created when absent and nothing else in the file is touched, so older study files open unchanged and older
 * Lathe versions ignore it. It has its own connection: write-ahead logging lets it sit beside a running search.
 */
public final class ProfileStore implements AutoCloseable {
    /** The subject under which the original's profile is kept. */
    public static final String ORIGINAL = "original";

    /** A stored profile: its JSON, its whole-run median, and when it was measured. */
    public record Stored(String subject, String settings, double totalMs, String json, String measuredAt) {}

    private final Path file;
    private final Connection db;

    private ProfileStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens the profiles of an existing study file. */
    public static ProfileStore open(Path file) {
        if (!Files.isRegularFile(file)) throw new StudyException(file, "study file not found (" + file.toAbsolutePath() + ")", null);
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS profiles (
                          subject TEXT NOT NULL,
                          settings TEXT NOT NULL,
                          measured_at TEXT NOT NULL,
                          total_ms REAL NOT NULL,
                          profile_json TEXT NOT NULL,
                          PRIMARY KEY (subject, settings))""");
            }
            return new ProfileStore(file, c);
        } catch (SQLException e) {
            throw new StudyException(file, "cannot open its profiles", e);
        }
    }

    public static String candidate(long id) {
        return "candidate:" + id;
    }

    public Optional<Stored> find(String subject, String settings) {
        try (PreparedStatement ps = db.prepareStatement("SELECT * FROM profiles WHERE subject = ? AND settings = ?")) {
            ps.setString(1, subject);
            ps.setString(2, settings);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Stored(subject, settings, rs.getDouble("total_ms"), rs.getString("profile_json"), rs.getString("measured_at")));
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read the profile of " + subject, e);
        }
    }

    /** Any stored profile of the subject, whatever its settings (the graph view shows what was measured). */
    public Optional<Stored> latest(String subject) {
        try (PreparedStatement ps = db.prepareStatement("SELECT * FROM profiles WHERE subject = ? ORDER BY measured_at DESC LIMIT 1")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new Stored(subject, rs.getString("settings"), rs.getDouble("total_ms"), rs.getString("profile_json"), rs.getString("measured_at")));
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read the profile of " + subject, e);
        }
    }

    /** Keeps a profile, replacing one of the same subject and settings. */
    public void put(String subject, String settings, double totalMs, String json) {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO profiles (subject, settings, measured_at, total_ms, profile_json) VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, subject);
            ps.setString(2, settings);
            ps.setString(3, Instant.now().toString());
            ps.setDouble(4, totalMs);
            ps.setString(5, json);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot store the profile of " + subject, e);
        }
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot close its profiles", e);
        }
    }
}
