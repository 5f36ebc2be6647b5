package dev.lathe.study.storage;

import dev.lathe.study.ConfirmedSpeedup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The confirmed speed-ups keep the pool device each was timed on; a study whose {@code confirmed_speedups} table was
 * made before that column existed gets it on first use, its rows kept as confirmed on this machine (no device).
 */
class ConfirmationDeviceTest {
    @TempDir Path dir;

    @Test
    void aTableWithoutTheDeviceColumnGetsItAndKeepsItsRows() throws Exception {
        Path file = dir.resolve("old.lathe");
        try (SqliteStudyStorage s = SqliteStudyStorage.open(file)) {
            s.addPending("{\"keep\":{},\"int8\":[]}", "test", 0);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            // The table as the previous version made it, with one row.
            s.execute("CREATE TABLE confirmed_speedups (candidate_id INTEGER PRIMARY KEY, speedup REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL, "
                    + "original_ms REAL NOT NULL, candidate_ms REAL NOT NULL, cycles INTEGER NOT NULL, clock TEXT NOT NULL, measured_at TEXT NOT NULL)");
            s.execute("INSERT INTO confirmed_speedups VALUES (3, 1.5, 1.4, 1.6, 2.0, 1.33, 40, 'cpu', '2026-12-01T10:00:00Z')");
        }
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(file)) {
            Map<Long, ConfirmedSpeedup> before = s.confirmations();
            assertEquals(List.of(3L), List.copyOf(before.keySet()));
            assertNull(before.get(3L).device(), "an older row was confirmed on this machine");
            assertEquals(1.5, before.get(3L).speedup());
            s.recordConfirmation(new ConfirmedSpeedup(5, 2.1, 2.0, 2.2, 3.0, 1.43, 60, "wall", "2026-12-04T21:00:00Z", "alpha"));
            s.recordConfirmation(new ConfirmedSpeedup(3, 1.45, 1.4, 1.5, 2.0, 1.38, 50, "wall", "2026-12-04T21:00:01Z", "alpha"));
        }
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(file)) {
            Map<Long, ConfirmedSpeedup> after = s.confirmations();
            assertEquals("alpha", after.get(5L).device());
            assertEquals("alpha", after.get(3L).device(), "a later confirmation replaces the row, device and all");
            assertEquals(1.45, after.get(3L).speedup());
            assertTrue(ConfirmedSpeedup.legend(after.values()).endsWith("(on device alpha)"), ConfirmedSpeedup.legend(after.values()));
            assertFalse(ConfirmedSpeedup.legend(List.of(new ConfirmedSpeedup(1, 1, 1, 1, 1, 1, 1, "wall", "x"))).contains("device"));
        }
    }
}
