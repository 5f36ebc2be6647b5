package dev.lathe.study.storage;

import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.StudyException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code distilled_candidates} table (schema 4): one row per distillation of a study candidate, apart from the
 * candidate's measured figures, so the measured front never mixes with trained ones.
 */
final class SqliteDistilled {
    private SqliteDistilled() {}

    static final String CREATE = """
            CREATE TABLE IF NOT EXISTS distilled_candidates (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              candidate_id INTEGER NOT NULL REFERENCES candidates(id),
              settings_json TEXT NOT NULL,
              data_fingerprint TEXT,
              steps INTEGER NOT NULL,
              quality_metric TEXT,
              quality_before REAL NOT NULL, quality_after REAL NOT NULL,
              latency_ms REAL, size_bytes INTEGER,
              out_path TEXT,
              recorded_at TEXT NOT NULL)""";

    static DistilledCandidate record(Path file, Connection db, DistilledCandidate d) {
        try (PreparedStatement q = db.prepareStatement("SELECT 1 FROM candidates WHERE id = ?")) { // foreign keys are not enforced by SQLite's default
            q.setLong(1, d.candidateId());
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) throw new StudyException(file, "cannot record the distillation of candidate " + d.candidateId() + ": there is none", null);
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read its candidates", e);
        }
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO distilled_candidates(candidate_id, settings_json, data_fingerprint, steps, "
                + "quality_metric, quality_before, quality_after, latency_ms, size_bytes, out_path, recorded_at) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, d.candidateId());
            ps.setString(2, d.settingsJson());
            ps.setString(3, d.dataFingerprint());
            ps.setInt(4, d.steps());
            ps.setString(5, d.qualityMetric());
            ps.setDouble(6, d.qualityBefore());
            ps.setDouble(7, d.qualityAfter());
            if (d.latencyMs() == null) ps.setNull(8, Types.REAL); else ps.setDouble(8, d.latencyMs());
            if (d.sizeBytes() == null) ps.setNull(9, Types.INTEGER); else ps.setLong(9, d.sizeBytes());
            ps.setString(10, d.outPath());
            ps.setString(11, d.recordedAt());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return d.withId(keys.getLong(1));
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot record the distillation of candidate " + d.candidateId(), e);
        }
    }

    static List<DistilledCandidate> all(Path file, Connection db) {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM distilled_candidates ORDER BY id")) {
            List<DistilledCandidate> out = new ArrayList<>();
            while (rs.next()) {
                double latency = rs.getDouble("latency_ms");
                Double latencyMs = rs.wasNull() ? null : latency;
                long size = rs.getLong("size_bytes");
                Long sizeBytes = rs.wasNull() ? null : size;
                out.add(new DistilledCandidate(rs.getLong("id"), rs.getLong("candidate_id"), rs.getString("settings_json"), rs.getString("data_fingerprint"),
                        rs.getInt("steps"), rs.getString("quality_metric"), rs.getDouble("quality_before"), rs.getDouble("quality_after"),
                        latencyMs, sizeBytes, rs.getString("out_path"), rs.getString("recorded_at")));
            }
            return out;
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read its distilled candidates", e);
        }
    }
}
