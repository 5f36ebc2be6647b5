package dev.lathe.study.storage;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.StudyException;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.TrialResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.*;

class StudyStoreTest {
    @TempDir
    Path dir;

    @Test
    void candidatesSurviveReopeningAndGenomesAreUnique() {
        Path f = dir.resolve("s.sqlite");
        long id;
        try (SqliteStudyStorage s = SqliteStudyStorage.open(f)) {
            s.recordOrigin(new StudyOrigin("/models/m.onnx", "abc", "test", "2026-01-01T00:00:00Z"));
            CandidateRecord c = s.addPending("{\"keep\":{},\"int8\":[]}", "seed", 0);
            id = c.id();
            assertEquals(id, s.addPending("{\"keep\":{},\"int8\":[]}", "nsga2", 3).id(), "same genome, same candidate");
            s.markRunning(id);
            s.recordDone(id, TrialResult.of(12.5, 14.0, 0.97, "cosine", 0.97, null, 1234, 99, null, 1.5));
            CandidateRecord other = s.addPending("{\"keep\":{\"a\":0.5},\"int8\":[]}", "nsga2", 1);
            s.markRunning(other.id());
        }
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(f)) {
            assertEquals(new StudyOrigin("/models/m.onnx", "abc", "test", "2026-01-01T00:00:00Z"), s.origin().orElseThrow());
            CandidateRecord c = s.get(id).orElseThrow();
            assertEquals(CandidateStatus.DONE, c.status());
            assertEquals(12.5, c.latencyMs());
            assertEquals(1234L, c.sizeBytes());
            assertNull(c.accuracy());
            assertEquals(1, s.resetInterrupted(), "the candidate caught running goes back to pending");
            assertEquals(1, s.count(CandidateStatus.PENDING));
            assertEquals(1, s.count(CandidateStatus.DONE));
        }
    }

    /**
     * A viewer reads the study while the search is in the middle of a write: the writer holds an open, uncommitted
     * write transaction (EXCLUSIVE, as a rollback journal needs for writing its pages) on its own connection, and
     * the reader, on another thread, must get the last committed state at once. With write-ahead logging it does;
     * without it the reader waits out its busy timeout and fails with SQLITE_BUSY ("database is locked").
     */
    @Test
    void aReaderSeesCandidatesWhileAWriterHoldsTheStudyOpen() throws Exception {
        Path f = dir.resolve("live.sqlite");
        try (SqliteStudyStorage setup = SqliteStudyStorage.open(f)) {
            setup.addPending("{\"keep\":{},\"int8\":[\"x\"]}", "seed", 0);
        }
        ExecutorService viewer = Executors.newSingleThreadExecutor();
        try (SqliteStudyStorage reader = SqliteStudyStorage.openExisting(f);
             Connection writer = DriverManager.getConnection("jdbc:sqlite:" + f.toAbsolutePath());
             Statement w = writer.createStatement()) {
            w.execute("BEGIN EXCLUSIVE");
            w.executeUpdate("INSERT INTO candidates(genome_key, origin, generation, status, created_at) "
                    + "VALUES('{\"keep\":{\"a\":0.5},\"int8\":[]}', 'nsga2', 1, 'pending', '2026-01-01T00:00:00Z')");
            Future<List<CandidateRecord>> read = viewer.submit(reader::all);
            List<CandidateRecord> seen;
            try {
                seen = read.get(3, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("the reader was blocked by the uncommitted write");
                return;
            }
            assertEquals(1, seen.size(), "the last committed state, without the write in flight");
            w.execute("COMMIT");
            assertEquals(2, viewer.submit(reader::all).get(3, TimeUnit.SECONDS).size(), "the write, once committed");
        } finally {
            viewer.shutdownNow();
        }
    }

    @Test
    void notAStudyFileIsReportedByName() throws Exception {
        Path f = dir.resolve("notes.sqlite");
        Files.writeString(f, "plain text, not SQLite ".repeat(100));
        StudyException e = assertThrows(StudyException.class, () -> SqliteStudyStorage.openExisting(f));
        assertTrue(e.getMessage().startsWith("notes.sqlite: "), e.getMessage());
        assertThrows(StudyException.class, () -> SqliteStudyStorage.openExisting(dir.resolve("absent.sqlite")));
    }
}
