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
 * Schema 2 added the raw latency samples and peak memory of each candidate and the reference measurements
 * of the original ({@code reference_runs}); a schema-1 file is migrated when opened, adding only. The CPU time
 * of each timed run ({@code cpu_samples}, beside the wall-clock {@code latency_samples}) is added the same way.
 */
public final class SqliteStudyStorage implements AutoCloseable {
    public static final int SCHEMA_VERSION = 2;

    private final Path file;
    private final Connection db;

    private SqliteStudyStorage(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens a study, creating the file if it does not exist. */
    public static SqliteStudyStorage open(Path file) {
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
                          created_at TEXT NOT NULL, finished_at TEXT,
                          latency_samples TEXT, peak_memory_bytes INTEGER, cpu_samples TEXT)""");
            }
            SqliteStudyStorage store = new SqliteStudyStorage(file, c);
            String v = store.meta("schema_version").orElse(null);
            if (v != null && Integer.parseInt(v) > SCHEMA_VERSION)
                throw new StudyException(file, "written by a newer Lathe (schema " + v + ", this one reads " + SCHEMA_VERSION + ")", null);
            store.migrate();
            if (v == null || Integer.parseInt(v) < SCHEMA_VERSION) store.putMeta("schema_version", Integer.toString(SCHEMA_VERSION));
            return store;
        } catch (SQLException e) {
            throw new StudyException(file, "not a readable study file", e);
        } catch (java.io.IOException e) {
            throw new StudyException(file, "cannot create its folder", e);
        }
    }

    /**
     * Brings an older study up to this schema by adding what is missing, in one transaction: nothing is
     * rewritten or dropped, so every figure a schema-1 study held reads back the same.
     */
    private void migrate() throws SQLException {
        java.util.Set<String> columns = new java.util.HashSet<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(candidates)")) {
            while (rs.next()) columns.add(rs.getString("name"));
        }
        boolean auto = db.getAutoCommit();
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            if (!columns.contains("latency_samples")) s.execute("ALTER TABLE candidates ADD COLUMN latency_samples TEXT");
            if (!columns.contains("peak_memory_bytes")) s.execute("ALTER TABLE candidates ADD COLUMN peak_memory_bytes INTEGER");
            if (!columns.contains("cpu_samples")) s.execute("ALTER TABLE candidates ADD COLUMN cpu_samples TEXT");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS reference_runs (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      measured_at TEXT NOT NULL,
                      after_candidates INTEGER NOT NULL,
                      latency_ms REAL NOT NULL, latency_p90_ms REAL, latency_json TEXT, latency_samples TEXT,
                      peak_memory_bytes INTEGER, cpu_samples TEXT)""");
            java.util.Set<String> referenceColumns = new java.util.HashSet<>();
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(reference_runs)")) {
                while (rs.next()) referenceColumns.add(rs.getString("name"));
            }
            if (!referenceColumns.contains("cpu_samples")) s.execute("ALTER TABLE reference_runs ADD COLUMN cpu_samples TEXT");
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(auto);
        }
    }

    /** Opens an existing study; fails with a clear message if there is none. */
    public static SqliteStudyStorage openExisting(Path file) {
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
        recordDone(id, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity, accuracy, sizeBytes, parameters, latencyJson, qualityJson,
                evalSeconds, null, null);
    }

    /**
     * Stores a candidate's figures with its raw latency samples (a JSON array of milliseconds, in the order
     * taken) and the measuring worker's peak memory (null when unknown).
     */
    public void recordDone(long id, double latencyMs, double latencyP90Ms, double quality, String qualityMetric, double fidelity,
                           Double accuracy, long sizeBytes, long parameters, String latencyJson, String qualityJson, double evalSeconds,
                           String latencySamplesJson, Long peakMemoryBytes) {
        recordDone(id, latencyMs, latencyP90Ms, quality, qualityMetric, fidelity, accuracy, sizeBytes, parameters, latencyJson, qualityJson,
                evalSeconds, latencySamplesJson, null, peakMemoryBytes);
    }

    /** The same with the CPU time of each timed run (a JSON array of milliseconds, null when unknown). */
    public void recordDone(long id, double latencyMs, double latencyP90Ms, double quality, String qualityMetric, double fidelity,
                           Double accuracy, long sizeBytes, long parameters, String latencyJson, String qualityJson, double evalSeconds,
                           String latencySamplesJson, String cpuSamplesJson, Long peakMemoryBytes) {
        try (PreparedStatement ps = db.prepareStatement("""
                UPDATE candidates SET status = 'done', latency_ms = ?, latency_p90_ms = ?, quality = ?, quality_metric = ?,
                  fidelity = ?, accuracy = ?, size_bytes = ?, parameters = ?, latency_json = ?, quality_json = ?,
                  eval_seconds = ?, error = NULL, finished_at = ?, latency_samples = ?, peak_memory_bytes = ?, cpu_samples = ? WHERE id = ?""")) {
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
            ps.setString(13, latencySamplesJson);
            if (peakMemoryBytes == null) ps.setNull(14, Types.INTEGER); else ps.setLong(14, peakMemoryBytes);
            ps.setString(15, cpuSamplesJson);
            ps.setLong(16, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record candidate " + id, e);
        }
    }

    /** The raw latency samples of a candidate as a JSON array, or empty when none were stored (schema 1). */
    public Optional<String> latencySamples(long id) {
        return samples("latency_samples", id);
    }

    /** The CPU time of each of a candidate's timed runs as a JSON array, or empty when none was stored. */
    public Optional<String> cpuSamples(long id) {
        return samples("cpu_samples", id);
    }

    private Optional<String> samples(String column, long id) {
        try (PreparedStatement ps = db.prepareStatement("SELECT " + column + " FROM candidates WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read the samples of candidate " + id, e);
        }
    }

    /** Records a re-measurement of the original model, taken after {@code afterCandidates} measured candidates. */
    public ReferenceRun recordReference(int afterCandidates, double latencyMs, double latencyP90Ms, String latencyJson,
                                        String latencySamplesJson, Long peakMemoryBytes) {
        return recordReference(afterCandidates, latencyMs, latencyP90Ms, latencyJson, latencySamplesJson, null, peakMemoryBytes);
    }

    /** The same with the CPU time of each timed run (a JSON array, null when unknown). */
    public ReferenceRun recordReference(int afterCandidates, double latencyMs, double latencyP90Ms, String latencyJson,
                                        String latencySamplesJson, String cpuSamplesJson, Long peakMemoryBytes) {
        String now = Instant.now().toString();
        try (PreparedStatement ps = db.prepareStatement("""
                INSERT INTO reference_runs(measured_at, after_candidates, latency_ms, latency_p90_ms, latency_json, latency_samples,
                  peak_memory_bytes, cpu_samples) VALUES(?, ?, ?, ?, ?, ?, ?, ?)""", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, now);
            ps.setInt(2, afterCandidates);
            ps.setDouble(3, latencyMs);
            ps.setDouble(4, latencyP90Ms);
            ps.setString(5, latencyJson);
            ps.setString(6, latencySamplesJson);
            if (peakMemoryBytes == null) ps.setNull(7, Types.INTEGER); else ps.setLong(7, peakMemoryBytes);
            ps.setString(8, cpuSamplesJson);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                long id = keys.next() ? keys.getLong(1) : -1;
                return new ReferenceRun(id, now, afterCandidates, latencyMs, latencyP90Ms, latencyJson, peakMemoryBytes);
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record a reference measurement", e);
        }
    }

    /** The reference measurements of the original, oldest first. */
    public List<ReferenceRun> references() {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM reference_runs ORDER BY measured_at, id")) {
            List<ReferenceRun> out = new ArrayList<>();
            while (rs.next())
                out.add(new ReferenceRun(rs.getLong("id"), rs.getString("measured_at"), rs.getInt("after_candidates"), rs.getDouble("latency_ms"),
                        dbl(rs, "latency_p90_ms"), rs.getString("latency_json"), lng(rs, "peak_memory_bytes")));
            return out;
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read reference measurements", e);
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

    /** Every candidate in id order. */
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
                rs.getString("created_at"), rs.getString("finished_at"), lng(rs, "peak_memory_bytes"));
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
