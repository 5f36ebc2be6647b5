package dev.lathe.study.storage;

import dev.lathe.study.ConfirmedSpeedup;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The side table {@code confirmed_speedups}: one row per front candidate whose speed-up was confirmed after the
 * search (the latest confirmation replaces an earlier one), created on demand through its own connection as the
 * other side tables are ({@link SqliteSideTables}), so the study schema does not change. Its {@code device} column
 * (the pool device a confirmation was timed on, null for this machine) is added to a table made before it.
 */
final class SqliteConfirmations {
    private SqliteConfirmations() {}

    private static final String TABLE = """
            CREATE TABLE IF NOT EXISTS confirmed_speedups (
              candidate_id INTEGER PRIMARY KEY, speedup REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL,
              original_ms REAL NOT NULL, candidate_ms REAL NOT NULL, cycles INTEGER NOT NULL, clock TEXT NOT NULL,
              measured_at TEXT NOT NULL, device TEXT)""";

    private static <T> T with(Path file, T absent, SqliteSideTables.Work<T> work) {
        return SqliteSideTables.with(file, absent, "confirmed speed-ups", List.of(TABLE), c -> {
            addDeviceColumn(c);
            return work.run(c);
        });
    }

    /** A table made before confirmations on a pool lacks the device column: it gets it, empty (this machine) for the rows it has. */
    private static void addDeviceColumn(java.sql.Connection c) throws java.sql.SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(confirmed_speedups)")) {
            while (rs.next()) if ("device".equals(rs.getString("name"))) return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("ALTER TABLE confirmed_speedups ADD COLUMN device TEXT");
        }
    }

    static void record(Path file, ConfirmedSpeedup r) {
        with(file, null, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO confirmed_speedups(candidate_id, speedup, low, high, original_ms, "
                    + "candidate_ms, cycles, clock, measured_at, device) VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT(candidate_id) DO UPDATE SET "
                    + "speedup = excluded.speedup, low = excluded.low, high = excluded.high, original_ms = excluded.original_ms, "
                    + "candidate_ms = excluded.candidate_ms, cycles = excluded.cycles, clock = excluded.clock, measured_at = excluded.measured_at, "
                    + "device = excluded.device")) {
                ps.setLong(1, r.candidateId());
                ps.setDouble(2, r.speedup());
                ps.setDouble(3, r.low());
                ps.setDouble(4, r.high());
                ps.setDouble(5, r.originalMs());
                ps.setDouble(6, r.candidateMs());
                ps.setInt(7, r.cycles());
                ps.setString(8, r.clock());
                ps.setString(9, r.measuredAt());
                ps.setString(10, r.device());
                ps.executeUpdate();
            }
            return null;
        });
    }

    static Map<Long, ConfirmedSpeedup> all(Path file) {
        return with(file, Map.of(), c -> {
            Map<Long, ConfirmedSpeedup> out = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM confirmed_speedups ORDER BY candidate_id")) {
                while (rs.next())
                    out.put(rs.getLong("candidate_id"), new ConfirmedSpeedup(rs.getLong("candidate_id"), rs.getDouble("speedup"), rs.getDouble("low"),
                            rs.getDouble("high"), rs.getDouble("original_ms"), rs.getDouble("candidate_ms"), rs.getInt("cycles"),
                            rs.getString("clock"), rs.getString("measured_at"), rs.getString("device")));
            }
            return out;
        });
    }
}
