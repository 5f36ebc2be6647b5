package dev.lathe.study;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A study file: SQLite, one file per study, holding the model fingerprint, the settings and every candidate.
 * Write-ahead logging lets a viewer read while a search writes (the "database is locked" trap Optuna users
 * hit); every write is its own transaction so a crash loses at most the candidate being measured.
 */
public final class StudyStore implements AutoCloseable {
    public static final int SCHEMA_VERSION = 1;

    private final Path file;
    private final Connection db;

    private StudyStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens a study, creating the file if it does not exist. */
    public static StudyStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                s.execute("""
                        CREATE TABLE IF NOT EXISTS candidates (
                          id INTEGER PRIMARY KEY AUTOINCREMENT,
                          genome_key TEXT NOT NULL UNIQUE,
                          origin TEXT NOT NULL,
                          generation INTEGER NOT NULL,
                          status TEXT NOT NULL,
                          latency_ms REAL, latency_p90_ms REAL, quality REAL, quality_metric TEXT,
                          fidelity REAL, accuracy REAL, size_bytes INTEGER, parameters INTEGER,
                          latency_json TEXT, quality_json TEXT, error TEXT, eval_seconds REAL,
                          created_at TEXT NOT NULL, finished_at TEXT)""");
            }
            StudyStore store = new StudyStore(file, c);
            String v = store.meta("schema_version").orElse(null);
            if (v == null) store.putMeta("schema_version", Integer.toString(SCHEMA_VERSION));
            else if (Integer.parseInt(v) > SCHEMA_VERSION)
                throw new StudyException(file, "written by a newer Lathe (schema " + v + ", this one reads " + SCHEMA_VERSION + ")", null);
            return store;
        } catch (SQLException e) {
            throw new StudyException(file, "not a readable study file", e);
        } catch (java.io.IOException e) {
            throw new StudyException(file, "cannot create its folder", e);
        }
    }

    /** Opens an existing study; fails with a clear message if there is none. */
    public static StudyStore openExisting(Path file) {
        if (!Files.isRegularFile(file)) throw new StudyException(file, "study file not found (" + file.toAbsolutePath() + ")", null);
        return open(file);
    }

    public Path file() { return file; }

    public Optional<String> meta(String key) {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read study settings", e);
        }
    }

    public void putMeta(String key, String value) {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot write study settings", e);
        }
    }

    /** Adds a candidate to be measured, or returns the existing one with the same genome. */
    public CandidateRecord addPending(String genomeKey, String origin, int generation) {
        Optional<CandidateRecord> existing = byGenome(genomeKey);
        if (existing.isPresent()) return existing.get();
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO candidates(genome_key, origin, generation, status, created_at) VALUES(?, ?, ?, 'pending', ?)")) {
            ps.setString(1, genomeKey);
            ps.setString(2, origin);
            ps.setInt(3, generation);
            ps.setString(4, Instant.now().toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot add a candidate", e);
        }
        return byGenome(genomeKey).orElseThrow();
    }

    public void markRunning(long id) {
        update("UPDATE candidates SET status = 'running' WHERE id = ?", id);
    }

    /** Stores the measured figures of a candidate; the JSON columns keep the full statistics. */
    public void recordDone(long id, double latencyMs, double latencyP90Ms, double quality, String qualityMetric, double fidelity,
                           Double accuracy, long sizeBytes, long parameters, String latencyJson, String qualityJson, double evalSeconds) {
        try (PreparedStatement ps = db.prepareStatement("""
                UPDATE candidates SET status = 'done', latency_ms = ?, latency_p90_ms = ?, quality = ?, quality_metric = ?,
                  fidelity = ?, accuracy = ?, size_bytes = ?, parameters = ?, latency_json = ?, quality_json = ?,
                  eval_seconds = ?, error = NULL, finished_at = ? WHERE id = ?""")) {
            ps.setDouble(1, latencyMs);
            ps.setDouble(2, latencyP90Ms);
            ps.setDouble(3, quality);
            ps.setString(4, qualityMetric);
            ps.setDouble(5, fidelity);
            if (accuracy == null) ps.setNull(6, Types.REAL); else ps.setDouble(6, accuracy);
            ps.setLong(7, sizeBytes);
            ps.setLong(8, parameters);
            ps.setString(9, latencyJson);
            ps.setString(10, qualityJson);
            ps.setDouble(11, evalSeconds);
            ps.setString(12, Instant.now().toString());
            ps.setLong(13, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record candidate " + id, e);
        }
    }

    public void recordFailed(long id, String error) {
        try (PreparedStatement ps = db.prepareStatement("UPDATE candidates SET status = 'failed', error = ?, finished_at = ? WHERE id = ?")) {
            ps.setString(1, error);
            ps.setString(2, Instant.now().toString());
            ps.setLong(3, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record failure of candidate " + id, e);
        }
    }

    /** After a crash or a kill: candidates caught mid-measurement go back to pending; finished ones stay. */
    public int resetInterrupted() {
        try (PreparedStatement ps = db.prepareStatement("UPDATE candidates SET status = 'pending' WHERE status = 'running'")) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot reset interrupted candidates", e);
        }
    }

    public List<CandidateRecord> all() {
        return query("SELECT * FROM candidates ORDER BY id", null);
    }

    public Optional<CandidateRecord> get(long id) {
        List<CandidateRecord> r = query("SELECT * FROM candidates WHERE id = ?", id);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    public Optional<CandidateRecord> byGenome(String genomeKey) {
        List<CandidateRecord> r = query("SELECT * FROM candidates WHERE genome_key = ?", genomeKey);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    public long count(CandidateStatus status) {
        try (PreparedStatement ps = db.prepareStatement("SELECT COUNT(*) FROM candidates WHERE status = ?")) {
            ps.setString(1, status.id());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot count candidates", e);
        }
    }

    private void update(String sql, long id) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            ps.setLong(1, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot update candidate " + id, e);
        }
    }

    private List<CandidateRecord> query(String sql, Object param) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            if (param instanceof Long l) ps.setLong(1, l);
            else if (param instanceof String s) ps.setString(1, s);
            try (ResultSet rs = ps.executeQuery()) {
                List<CandidateRecord> out = new ArrayList<>();
                while (rs.next()) out.add(row(rs));
                return out;
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read candidates", e);
        }
    }

    private static CandidateRecord row(ResultSet rs) throws SQLException {
        return new CandidateRecord(rs.getLong("id"), rs.getString("genome_key"), rs.getString("origin"), rs.getInt("generation"),
                CandidateStatus.of(rs.getString("status")), dbl(rs, "latency_ms"), dbl(rs, "latency_p90_ms"), dbl(rs, "quality"),
                rs.getString("quality_metric"), dbl(rs, "fidelity"), dbl(rs, "accuracy"), lng(rs, "size_bytes"), lng(rs, "parameters"),
                rs.getString("latency_json"), rs.getString("quality_json"), rs.getString("error"), dbl(rs, "eval_seconds"),
                rs.getString("created_at"), rs.getString("finished_at"));
    }

    private static Double dbl(ResultSet rs, String col) throws SQLException {
        double v = rs.getDouble(col);
        return rs.wasNull() ? null : v;
    }

    private static Long lng(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot close", e);
        }
    }
}
