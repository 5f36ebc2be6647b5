package dev.lathe.study.storage;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.DataIdentity;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.StudyException;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.TrialResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 * A study file: SQLite, one file per study, holding the model fingerprint, the settings and every candidate; the
 * {@link StudyStorage} a search writes and every viewer reads. It owns the schema, its migrations and every meta
 * key: nothing outside it reads or writes one.
 * Write-ahead logging lets a viewer read while a search writes (the "database is locked" trap Optuna users
 * hit); every write is its own transaction so a crash loses at most the candidate being measured.
 * Schema 2 added the raw latency samples and peak memory of each candidate and the reference measurements
 * of the original ({@code reference_runs}); a schema-1 file is migrated when opened, adding only. The CPU time
 * of each timed run ({@code cpu_samples}, beside the wall-clock {@code latency_samples}) is added the same way.
 * Schema 3 keeps the study's configuration as one document ({@code configuration}); the settings of a schema-2
 * study ({@code settings} and {@code measuring}) are read as its version 1 until a search saves it anew.
 * The pool device that measured a candidate or a reference ({@code device}) is added as a column the same way.
 * Schema 4 adds {@code distilled_candidates}: distilled figures kept apart from the measured ones.
 * Just over 400 lines: each statement over the two tables is here, beside the others, so the columns agree.
 */
public final class SqliteStudyStorage implements StudyStorage {
    public static final int SCHEMA_VERSION = 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = "schema_version", CONFIGURATION = "configuration", LEGACY_SETTINGS = "settings",
            LEGACY_MEASURING = "measuring", MODEL_PATH = "model_path", MODEL_SHA = "model_sha256", LATHE_VERSION = "lathe_version",
            CREATED_AT = "created_at", DATA = "data", DATA_FINGERPRINT = "data_fingerprint", MACHINE = "machine", OUTPUT_KIND = "output_kind",
            PRUNING = "pruning", SENSITIVITY = "sensitivity";

    private final Path file;
    private final Connection db;
    private final SqliteMeta meta;

    private SqliteStudyStorage(Path file, Connection db) {
        this.file = file;
        this.db = db;
        this.meta = new SqliteMeta(file, db);
    }

    /** Opens a study, creating the file if it does not exist. */
    public static SqliteStudyStorage open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            SqliteSchema.refuseForeign(file, c);
            SqliteSchema.create(c);
            SqliteStudyStorage store = new SqliteStudyStorage(file, c);
            String v = store.meta(SCHEMA).orElse(null);
            if (v != null && Integer.parseInt(v) > SCHEMA_VERSION)
                throw new StudyException(file, "written by a newer Lathe (schema " + v + ", this one reads " + SCHEMA_VERSION + ")", null);
            SqliteSchema.migrate(c);
            if (v == null || Integer.parseInt(v) < SCHEMA_VERSION) store.putMeta(SCHEMA, Integer.toString(SCHEMA_VERSION));
            return store;
        } catch (SQLException e) {
            if (e.getErrorCode() == 26) throw new StudyException(file, "not a study: the file is not an SQLite database; it was left as it is", null); // SQLITE_NOTADB
            throw new StudyException(file, "not a readable study file", e);
        } catch (java.io.IOException e) {
            throw new StudyException(file, "cannot create its folder", e);
        }
    }

    /** Opens an existing study; fails with a clear message if there is none. */
    public static SqliteStudyStorage openExisting(Path file) {
        if (!Files.isRegularFile(file)) throw new StudyException(file, "study file not found (" + file.toAbsolutePath() + ")", null);
        return open(file);
    }

    @Override
    public Path file() { return file; }

    /** The schema this file is at (it is migrated to {@link #SCHEMA_VERSION} when opened). */
    public int schemaVersion() {
        return meta(SCHEMA).map(Integer::parseInt).orElse(SCHEMA_VERSION);
    }

    @Override
    public Optional<StudyOrigin> origin() {
        return meta(MODEL_SHA).map(sha -> new StudyOrigin(meta(MODEL_PATH).orElse(null), sha, meta(LATHE_VERSION).orElse(null), meta(CREATED_AT).orElse(null)));
    }

    @Override
    public void recordOrigin(StudyOrigin o) {
        putMeta(MODEL_PATH, o.modelPath());
        putMeta(MODEL_SHA, o.modelSha256());
        if (o.latheVersion() != null) putMeta(LATHE_VERSION, o.latheVersion());
        if (o.createdAt() != null) putMeta(CREATED_AT, o.createdAt());
    }

    @Override
    public Optional<String> configuration() {
        Optional<String> doc = meta(CONFIGURATION);
        if (doc.isPresent()) return doc;
        return meta(LEGACY_SETTINGS).map(settings -> {
            try {
                ObjectNode v1 = JSON.createObjectNode().put("version", 1);
                v1.set("settings", JSON.readTree(settings));
                v1.set("measuring", meta(LEGACY_MEASURING).isPresent() ? JSON.readTree(meta(LEGACY_MEASURING).get()) : null);
                return JSON.writeValueAsString(v1);
            } catch (java.io.IOException e) {
                throw new StudyException(file, "its settings are unreadable", e);
            }
        });
    }

    /** Saves the configuration as one document; the pre-configuration keys it replaces go in the same transaction. */
    @Override
    public void saveConfiguration(String json) {
        meta.inTransaction(() -> {
            meta.put(CONFIGURATION, json);
            meta.delete(LEGACY_SETTINGS);
            meta.delete(LEGACY_MEASURING);
        });
    }

    @Override
    public Optional<DataIdentity> data() {
        return meta(DATA).map(d -> new DataIdentity(d, meta(DATA_FINGERPRINT).orElse(null)));
    }

    @Override
    public void recordData(DataIdentity d) {
        putMeta(DATA, d.description());
        putMeta(DATA_FINGERPRINT, d.fingerprint());
    }

    @Override
    public Optional<String> machine() { return meta(MACHINE); }

    @Override
    public void recordMachine(dev.lathe.eval.MachineInfo machine) {
        putMeta(MACHINE, TrialResult.json(machine));
    }

    @Override
    public Optional<String> outputKind() { return meta(OUTPUT_KIND); }

    @Override
    public void recordOutputKind(String kind) { putMeta(OUTPUT_KIND, kind); }

    @Override
    public Optional<String> pruning() { return meta(PRUNING); }

    @Override
    public void recordPruning(String criterionAndRepair) { putMeta(PRUNING, criterionAndRepair); }

    @Override
    public Optional<String> sensitivity() { return meta(SENSITIVITY); }

    @Override
    public void recordSensitivity(String reportJson) { putMeta(SENSITIVITY, reportJson); }

    private Optional<String> meta(String key) { return meta.get(key); }

    /** Package-private for the tests that make old or foreign files; callers use the typed methods. */
    void putMeta(String key, String value) { meta.put(key, value); }

    /** Adds a candidate to be measured, or returns the existing one with the same genome. */
    @Override
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

    @Override
    public void markRunning(long id) {
        update("UPDATE candidates SET status = 'running' WHERE id = ?", id);
    }

    /** Stores the measured figures of a candidate; the JSON columns keep the full statistics. */
    @Override
    public void recordDone(long id, TrialResult r) {
        try (PreparedStatement ps = db.prepareStatement("""
                UPDATE candidates SET status = 'done', latency_ms = ?, latency_p90_ms = ?, quality = ?, quality_metric = ?,
                  fidelity = ?, accuracy = ?, size_bytes = ?, parameters = ?, latency_json = ?, quality_json = ?,
                  eval_seconds = ?, error = NULL, finished_at = ?, latency_samples = ?, peak_memory_bytes = ?, cpu_samples = ? WHERE id = ?""")) {
            ps.setDouble(1, r.latencyMs());
            ps.setDouble(2, r.latencyP90Ms());
            real(ps, 3, r.quality());
            ps.setString(4, r.qualityMetric());
            real(ps, 5, r.fidelity());
            real(ps, 6, r.accuracy());
            integer(ps, 7, r.sizeBytes());
            integer(ps, 8, r.parameters());
            ps.setString(9, r.latencyJson());
            ps.setString(10, r.qualityJson());
            real(ps, 11, r.evalSeconds());
            ps.setString(12, Instant.now().toString());
            ps.setString(13, TrialResult.samplesJson(r.latencySamplesMs()));
            integer(ps, 14, r.peakMemoryBytes());
            ps.setString(15, TrialResult.samplesJson(r.cpuSamplesMs()));
            ps.setLong(16, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record candidate " + id, e);
        }
    }

    private static void real(PreparedStatement ps, int i, Double v) throws SQLException {
        if (v == null) ps.setNull(i, Types.REAL); else ps.setDouble(i, v);
    }

    private static void integer(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, Types.INTEGER); else ps.setLong(i, v);
    }

    /** The raw latency samples of a candidate, or empty when none were stored (schema 1). */
    @Override
    public Optional<double[]> latencySamples(long id) {
        return samples("latency_samples", id);
    }

    /** The CPU time of each of a candidate's timed runs, or empty when none was stored. */
    @Override
    public Optional<double[]> cpuSamples(long id) {
        return samples("cpu_samples", id);
    }

    private Optional<double[]> samples(String column, long id) {
        try (PreparedStatement ps = db.prepareStatement("SELECT " + column + " FROM candidates WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(TrialResult.samples(rs.getString(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read the samples of candidate " + id, e);
        }
    }

    /** Records a re-measurement of the original model, taken after {@code afterCandidates} measured candidates. */
    @Override
    public ReferenceRun recordReference(int afterCandidates, TrialResult r, String device) {
        String now = Instant.now().toString();
        try (PreparedStatement ps = db.prepareStatement("""
                INSERT INTO reference_runs(measured_at, after_candidates, latency_ms, latency_p90_ms, latency_json, latency_samples,
                  peak_memory_bytes, cpu_samples, device) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)""", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, now);
            ps.setInt(2, afterCandidates);
            ps.setDouble(3, r.latencyMs());
            ps.setDouble(4, r.latencyP90Ms());
            ps.setString(5, r.latencyJson());
            ps.setString(6, TrialResult.samplesJson(r.latencySamplesMs()));
            integer(ps, 7, r.peakMemoryBytes());
            ps.setString(8, TrialResult.samplesJson(r.cpuSamplesMs()));
            ps.setString(9, device);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                long id = keys.next() ? keys.getLong(1) : -1;
                return new ReferenceRun(id, now, afterCandidates, r.latencyMs(), r.latencyP90Ms(), r.latencyJson(), r.peakMemoryBytes(), device);
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record a reference measurement", e);
        }
    }

    /** The reference measurements of the original, oldest first. */
    @Override
    public void appendPredictorReport(dev.lathe.study.PredictorReport report) {
        SqliteSideTables.appendPredictorReport(file, report);
    }

    @Override
    public List<dev.lathe.study.PredictorReport> predictorReports() {
        return SqliteSideTables.predictorReports(file);
    }

    @Override
    public dev.lathe.study.DistilledCandidate recordDistilled(dev.lathe.study.DistilledCandidate d) {
        return SqliteDistilled.record(file, db, d);
    }

    @Override
    public List<dev.lathe.study.DistilledCandidate> distilled() {
        return SqliteDistilled.all(file, db);
    }

    @Override
    public void recordConfirmation(dev.lathe.study.ConfirmedSpeedup confirmed) {
        SqliteConfirmations.record(file, confirmed);
    }

    @Override
    public java.util.Map<Long, dev.lathe.study.ConfirmedSpeedup> confirmations() {
        return SqliteConfirmations.all(file);
    }

    @Override
    public List<ReferenceRun> references() {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM reference_runs ORDER BY measured_at, id")) {
            List<ReferenceRun> out = new ArrayList<>();
            while (rs.next())
                out.add(new ReferenceRun(rs.getLong("id"), rs.getString("measured_at"), rs.getInt("after_candidates"), rs.getDouble("latency_ms"),
                        dbl(rs, "latency_p90_ms"), rs.getString("latency_json"), lng(rs, "peak_memory_bytes"), rs.getString("device")));
            return out;
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read reference measurements", e);
        }
    }

    @Override
    public void recordDevice(long id, String device) {
        try (PreparedStatement ps = db.prepareStatement("UPDATE candidates SET device = ? WHERE id = ?")) {
            ps.setString(1, device);
            ps.setLong(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record the device of candidate " + id, e);
        }
    }

    @Override
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
    @Override
    public int resetInterrupted() {
        try (PreparedStatement ps = db.prepareStatement("UPDATE candidates SET status = 'pending' WHERE status = 'running'")) {
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot reset interrupted candidates", e);
        }
    }

    /** Every candidate in id order. */
    @Override
    public List<CandidateRecord> all() {
        return query("SELECT * FROM candidates ORDER BY id", null);
    }

    @Override
    public Optional<CandidateRecord> get(long id) {
        List<CandidateRecord> r = query("SELECT * FROM candidates WHERE id = ?", id);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    @Override
    public Optional<CandidateRecord> byGenome(String genomeKey) {
        List<CandidateRecord> r = query("SELECT * FROM candidates WHERE genome_key = ?", genomeKey);
        return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
    }

    @Override
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
                rs.getString("created_at"), rs.getString("finished_at"), lng(rs, "peak_memory_bytes"), rs.getString("device"));
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
