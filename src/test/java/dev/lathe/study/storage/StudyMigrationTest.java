package dev.lathe.study.storage;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.StudyException;
import dev.lathe.study.TrialResult;
import dev.lathe.study.Study;
import dev.lathe.study.Objective;
import dev.lathe.study.Constraints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A schema-1 study, written by the Lathe of before schema 2 (a real four-candidate digits search plus a failed
 * and a pending candidate, committed as a test resource), opens in this Lathe without losing a value.
 */
class StudyMigrationTest {
    @TempDir
    Path dir;

    @Test
    void aSchemaOneStudyMigratesOnOpenWithEveryValueKept() throws Exception {
        Path f = dir.resolve("old.sqlite");
        try (InputStream in = StudyMigrationTest.class.getResourceAsStream("study-schema1.sqlite")) {
            Files.copy(in, f);
        }
        List<Map<String, Object>> candidatesBefore = rows(f, "SELECT * FROM candidates ORDER BY id");
        List<Map<String, Object>> metaBefore = rows(f, "SELECT * FROM meta ORDER BY key");
        assertEquals(6, candidatesBefore.size());
        assertEquals("1", metaBefore.stream().filter(m -> m.get("key").equals("schema_version")).findFirst().orElseThrow().get("value"));

        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(f)) {
            List<CandidateRecord> all = s.all();
            assertEquals(6, all.size());
            assertEquals(4, s.count(CandidateStatus.DONE));
            assertEquals(CandidateStatus.FAILED, all.get(4).status());
            assertEquals("OrtException: made by the schema-1 code for the migration test", all.get(4).error());
            assertEquals(CandidateStatus.PENDING, all.get(5).status());
            assertEquals(((Number) candidatesBefore.get(0).get("latency_ms")).doubleValue(), all.get(0).latencyMs());
            Study old = Study.load(s, Objective.LATENCY, Constraints.NONE);
            assertNull(old.referenceMs(all.get(0)), "no references in an old study: speed-ups come from the original candidate as before");
            assertNull(all.get(0).peakMemoryBytes());
            assertTrue(s.references().isEmpty());
            assertTrue(s.latencySamples(1).isEmpty());
            assertTrue(s.configuration().orElseThrow().startsWith("{\"version\":1,\"settings\":{"), "old settings read as version 1");
        }

        List<Map<String, Object>> candidatesAfter = rows(f, "SELECT * FROM candidates ORDER BY id");
        for (int i = 0; i < candidatesBefore.size(); i++) {
            Map<String, Object> before = candidatesBefore.get(i), after = candidatesAfter.get(i);
            before.forEach((col, v) -> assertEquals(v, after.get(col), "candidate " + before.get("id") + " column " + col));
            assertNull(after.get("latency_samples"));
            assertNull(after.get("peak_memory_bytes"));
        }
        List<Map<String, Object>> metaAfter = rows(f, "SELECT * FROM meta ORDER BY key");
        for (Map<String, Object> m : metaBefore)
            if (!m.get("key").equals("schema_version")) assertTrue(metaAfter.contains(m), "meta " + m.get("key") + " kept");
        assertEquals(metaBefore.size(), metaAfter.size());

        // Migrated once, opened again as a schema-2 study, and written with the new figures.
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(f)) {
            assertEquals(4, s.schemaVersion());
            assertTrue(s.distilled().isEmpty(), "schema 4 adds an empty distilled_candidates table");
            s.recordDistilled(dev.lathe.study.DistilledCandidate.of(1, "{}", null, 5, "accuracy", 0.5, 0.6, null, null, null));
            assertEquals(1, s.distilled().size());
            s.recordReference(4, new TrialResult(0.02, 0.03, "{}", new double[] {0.02, 0.021}, null, null, null, null, null, null, null, null, 123L, null));
            Study study = Study.load(s, Objective.LATENCY, Constraints.NONE);
            CandidateRecord first = study.trial(1).orElseThrow(), int8 = study.trial(2).orElseThrow();
            assertEquals(0.02, study.referenceMs(first));
            assertTrue(Study.isOriginal(first));
            assertEquals(1.0, study.speedup(first), "the original's speed-up is 1 by definition, not 0.02 / its own latency");
            assertEquals(0.02, study.referenceMs(int8));
            assertEquals(0.02 / int8.latencyMs(), study.speedup(int8), 1e-12);
            CandidateRecord pending = s.get(6).orElseThrow();
            s.markRunning(pending.id());
            s.recordDone(pending.id(), new TrialResult(0.01, 0.012, "{}", new double[] {0.01, 0.011}, null, 0.9, "accuracy", 0.95, 0.9, "{}", 1000L, 10L, 4096L, 0.5));
            assertArrayEquals(new double[] {0.01, 0.011}, s.latencySamples(pending.id()).orElseThrow());
            assertEquals(4096L, s.get(pending.id()).orElseThrow().peakMemoryBytes());
        }
    }

    @Test
    void aStudyFromANewerLatheIsRefused() {
        Path f = dir.resolve("future.sqlite");
        try (SqliteStudyStorage s = SqliteStudyStorage.open(f)) {
            s.putMeta("schema_version", Integer.toString(SqliteStudyStorage.SCHEMA_VERSION + 1));
        }
        StudyException e = assertThrows(StudyException.class, () -> SqliteStudyStorage.openExisting(f));
        assertTrue(e.getMessage().contains("written by a newer Lathe"), e.getMessage());
    }

    private static List<Map<String, Object>> rows(Path f, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + f.toAbsolutePath()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Map<String, Object>> out = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) row.put(md.getColumnName(i), rs.getObject(i));
                out.add(row);
            }
            return out;
        }
    }
}
