package dev.lathe.study.storage;

import dev.lathe.study.PredictorReport;
import dev.lathe.study.StudyException;
import dev.lathe.study.TabularSpace;
import dev.lathe.study.TrialResult;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Small tables beside a study's own, each written by one feature through its own connection (the file is in WAL
 * mode, so this works beside the study's): {@code predictor_generations} (one {@link PredictorReport} per generation
 * the predictor strategy proposed), {@code tabular_space} (the {@link TabularSpace} a benchmark table measured) and
 * {@code timing_repeats} (every timing repeat of a table's genomes). A study kept in memory has none: writes are
 * dropped and reads are empty, since only a file outlives its search.
 */
public final class SqliteSideTables {
    private SqliteSideTables() {}

    /** What one feature does with its side table on an open connection. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private static final List<String> TABLES = List.of("""
            CREATE TABLE IF NOT EXISTS predictor_generations (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, measured INTEGER NOT NULL, mode TEXT NOT NULL, quality_model TEXT,
              cv_tau_cost REAL, cv_tau_quality REAL, batch_size INTEGER NOT NULL, batch_tau_cost REAL, batch_tau_quality REAL,
              batch_error_cost REAL, batch_error_quality REAL, predicted_evaluations INTEGER NOT NULL)""",
            "CREATE TABLE IF NOT EXISTS tabular_space (id INTEGER PRIMARY KEY CHECK (id = 1), levels INTEGER NOT NULL, "
                    + "sample INTEGER NOT NULL, repeats INTEGER NOT NULL, size REAL NOT NULL, whole INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS timing_repeats (genome_key TEXT PRIMARY KEY, latencies_ms TEXT NOT NULL)");

    private static <T> T with(Path file, T absent, Work<T> work) {
        return with(file, absent, "side tables", TABLES, work);
    }

    /**
     * Runs {@code work} on its own connection to the study file after creating {@code tables} if they are missing;
     * {@code absent} where there is no file (a study kept in memory). {@code what} names the tables in the error.
     */
    static <T> T with(Path file, T absent, String what, List<String> tables, Work<T> work) {
        if (file == null || !Files.isRegularFile(file)) return absent;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 10000");
                for (String ddl : tables) s.execute(ddl);
            }
            return work.run(c);
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read or write its " + what, e);
        }
    }

    public static void appendPredictorReport(Path file, PredictorReport r) {
        with(file, null, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO predictor_generations(measured, mode, quality_model, cv_tau_cost, "
                    + "cv_tau_quality, batch_size, batch_tau_cost, batch_tau_quality, batch_error_cost, batch_error_quality, predicted_evaluations) "
                    + "VALUES(?,?,?,?,?,?,?,?,?,?,?)")) {
                ps.setInt(1, r.measured());
                ps.setString(2, r.mode());
                ps.setString(3, r.qualityModel());
                ps.setObject(4, r.cvTauCost());
                ps.setObject(5, r.cvTauQuality());
                ps.setInt(6, r.batchSize());
                ps.setObject(7, r.batchTauCost());
                ps.setObject(8, r.batchTauQuality());
                ps.setObject(9, r.batchErrorCost());
                ps.setObject(10, r.batchErrorQuality());
                ps.setInt(11, r.predictedEvaluations());
                ps.executeUpdate();
            }
            return null;
        });
    }

    public static List<PredictorReport> predictorReports(Path file) {
        return with(file, List.of(), c -> {
            List<PredictorReport> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM predictor_generations ORDER BY seq")) {
                while (rs.next())
                    out.add(new PredictorReport(rs.getInt("measured"), rs.getString("mode"), rs.getString("quality_model"), real(rs, "cv_tau_cost"),
                            real(rs, "cv_tau_quality"), rs.getInt("batch_size"), real(rs, "batch_tau_cost"), real(rs, "batch_tau_quality"),
                            real(rs, "batch_error_cost"), real(rs, "batch_error_quality"), rs.getInt("predicted_evaluations")));
            }
            return out;
        });
    }

    public static void recordTabularSpace(Path file, TabularSpace t) {
        with(file, null, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tabular_space(id, levels, sample, repeats, size, whole) VALUES(1,?,?,?,?,?) "
                    + "ON CONFLICT(id) DO UPDATE SET levels = excluded.levels, sample = excluded.sample, repeats = excluded.repeats, "
                    + "size = excluded.size, whole = excluded.whole")) {
                ps.setInt(1, t.levels());
                ps.setInt(2, t.sample());
                ps.setInt(3, t.repeats());
                ps.setDouble(4, t.size());
                ps.setInt(5, t.whole() ? 1 : 0);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public static Optional<TabularSpace> tabularSpace(Path file) {
        return with(file, Optional.empty(), c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM tabular_space WHERE id = 1")) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new TabularSpace(rs.getInt("levels"), rs.getInt("sample"), rs.getInt("repeats"), rs.getDouble("size"),
                        rs.getInt("whole") == 1));
            }
        });
    }

    public static void recordRepeats(Path file, String genomeKey, double[] latenciesMs) {
        with(file, null, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO timing_repeats(genome_key, latencies_ms) VALUES(?, ?) "
                    + "ON CONFLICT(genome_key) DO UPDATE SET latencies_ms = excluded.latencies_ms")) {
                ps.setString(1, genomeKey);
                ps.setString(2, TrialResult.samplesJson(latenciesMs));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Every genome's timing repeats (ms, as measured), by genome key. */
    public static Map<String, double[]> repeats(Path file) {
        return with(file, Map.of(), c -> {
            Map<String, double[]> out = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT genome_key, latencies_ms FROM timing_repeats")) {
                while (rs.next()) out.put(rs.getString(1), TrialResult.samples(rs.getString(2)));
            }
            return out;
        });
    }

    private static Double real(ResultSet rs, String column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }
}
