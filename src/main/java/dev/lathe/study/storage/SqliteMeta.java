package dev.lathe.study.storage;

import dev.lathe.study.StudyException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** The key/value {@code meta} table of a study file; only {@link SqliteStudyStorage} names its keys. */
final class SqliteMeta {
    interface SqlWork {
        void run() throws SQLException;
    }

    private final Path file;
    private final Connection db;

    SqliteMeta(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    Optional<String> get(String key) {
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot read study settings", e);
        }
    }

    void put(String key, String value) {
        try (PreparedStatement ps = db.prepareStatement("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StudyException(file, "cannot write study settings", e);
        }
    }

    void delete(String key) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("DELETE FROM meta WHERE key = ?")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    /** Runs {@code work} as one transaction: all of it, or none. */
    void inTransaction(SqlWork work) {
        try {
            boolean auto = db.getAutoCommit();
            db.setAutoCommit(false);
            try {
                work.run();
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new StudyException(file, "cannot write study settings", e);
        }
    }
}
