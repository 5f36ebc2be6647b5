package dev.lathe.study.storage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables of a study file and how older files are brought up to them. Write-ahead logging lets a viewer read
 * the last committed state while a search holds a write open (the "database is locked" trap Optuna users hit).
 */
final class SqliteSchema {
    private SqliteSchema() {}

    /** Sets the connection up and creates what a new file lacks. */
    static void create(Connection c) throws SQLException {
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
                      latency_samples TEXT, peak_memory_bytes INTEGER, cpu_samples TEXT, device TEXT)""");
        }
    }

    /**
     * Brings an older study up to this schema by adding what is missing, in one transaction: nothing is
     * rewritten or dropped, so every figure a schema-1 study held reads back the same.
     */
    static void migrate(Connection db) throws SQLException {
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
            if (!columns.contains("device")) s.execute("ALTER TABLE candidates ADD COLUMN device TEXT");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS reference_runs (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      measured_at TEXT NOT NULL,
                      after_candidates INTEGER NOT NULL,
                      latency_ms REAL NOT NULL, latency_p90_ms REAL, latency_json TEXT, latency_samples TEXT,
                      peak_memory_bytes INTEGER, cpu_samples TEXT, device TEXT)""");
            java.util.Set<String> referenceColumns = new java.util.HashSet<>();
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(reference_runs)")) {
                while (rs.next()) referenceColumns.add(rs.getString("name"));
            }
            if (!referenceColumns.contains("cpu_samples")) s.execute("ALTER TABLE reference_runs ADD COLUMN cpu_samples TEXT");
            if (!referenceColumns.contains("device")) s.execute("ALTER TABLE reference_runs ADD COLUMN device TEXT");
            s.execute(SqliteDistilled.CREATE); // schema 4: distilled figures, apart from the measured ones
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(auto);
        }
    }

    /** Tables every Lathe study holds, in any schema version (features add side tables of their own beside them). */
    private static final java.util.Set<String> STUDY_TABLES = java.util.Set.of("meta", "candidates");

    /**
     * Another program's SQLite database (tables, but not a study's own) is refused before a study's tables are
     * created in it, so opening the wrong file as a study changes nothing in it. Side tables that profiles,
     * predictor reports and tabular benchmarks add beside a study's own are not foreign.
     */
    static void refuseForeign(java.nio.file.Path file, Connection c) throws SQLException {
        java.util.List<String> tables = new java.util.ArrayList<>();
        try (var st = c.createStatement();
             var rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) tables.add(rs.getString(1));
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        if (tables.isEmpty() || tables.containsAll(STUDY_TABLES)) return;
        java.util.List<String> foreign = tables.stream().filter(t -> !STUDY_TABLES.contains(t) && !t.equals("reference_runs") && !t.equals("distilled_candidates")).toList();
        c.close();
        throw new dev.lathe.study.StudyException(file, "not a Lathe study but another program's SQLite database (tables " + String.join(", ", foreign.stream().limit(5).toList())
                + (foreign.size() > 5 ? ", ..." : "") + "); it was left as it is", null);
    }
}
