package dev.lathe.study;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

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

    @Test
    void aReaderSeesCandidatesWhileAWriterHoldsTheStudyOpen() {
        Path f = dir.resolve("live.sqlite");
        try (SqliteStudyStorage writer = SqliteStudyStorage.open(f); SqliteStudyStorage reader = SqliteStudyStorage.openExisting(f)) {
            writer.addPending("{\"keep\":{},\"int8\":[\"x\"]}", "seed", 0);
            assertEquals(1, reader.all().size());
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
