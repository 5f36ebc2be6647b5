package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** {@code search --distill-share}: each generation's most promising share is distilled and stored apart from the measured figures. */
class DistillShareSearchTest {
    @Test
    void aSearchWithADistillShareStoresDistilledRowsBesideTheMeasuredOnes(@TempDir Path dir) throws Exception {
        Path study = dir.resolve("s.sqlite");
        var r = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "8", "--population", "4", "--seed", "3", "--quick",
                "--distill-share", "0.5", "--distill-steps", "15", "--distill-lr", "1e-3");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("distilled #"), r.out());
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            List<DistilledCandidate> rows = store.distilled();
            assertFalse(rows.isEmpty(), r.out());
            Map<Integer, Long> perGeneration = rows.stream().collect(Collectors.groupingBy(d -> store.get(d.candidateId()).orElseThrow().generation(),
                    Collectors.counting()));
            for (var e : perGeneration.entrySet()) {
                long size = store.all().stream().filter(c -> c.generation() == e.getKey()).count();
                assertTrue(e.getValue() <= Math.ceil(0.5 * size), "at most half of generation " + e.getKey() + " distilled: " + perGeneration);
            }
            for (DistilledCandidate d : rows) {
                CandidateRecord measured = store.get(d.candidateId()).orElseThrow();
                assertTrue(measured.isDone());
                assertEquals(measured.quality(), d.qualityBefore(), 1e-9, "before distillation: the candidate as the search measured it, on the same data");
                assertTrue(d.steps() >= 1 && d.steps() <= 15);
                assertNull(d.outPath(), "nothing exported from a search");
                assertNotNull(d.dataFingerprint());
            }
            assertEquals(rows.size(), rows.stream().map(DistilledCandidate::candidateId).distinct().count(), "each candidate distilled once");
        }
        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        long withDistilled = 0;
        for (JsonNode c : list) if (c.has("distilled")) withDistilled++;
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertEquals(store.distilled().size(), withDistilled);
        }
    }

    @Test
    void aShareOutsideZeroToOneIsRefused(@TempDir Path dir) {
        var r = lathe("search", "sample:digits-mlp", "--study", dir.resolve("s.sqlite").toString(), "--distill-share", "1.5");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--distill-share must be in (0, 1]"), r.err());
        assertFalse(java.nio.file.Files.exists(dir.resolve("s.sqlite")), "no study file for a refused command");
    }
}
