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
    @org.junit.jupiter.api.Tag("slow")
    void aSearchWithADistillShareStoresDistilledRowsBesideTheMeasuredOnes(@TempDir Path dir) throws Exception {
        Path study = dir.resolve("s.sqlite");
        // the CNN's int8/fp16 candidates span 0.90-1.00 agreement; a bar of 0.999 leaves the lossy ones faster than the lossless under it
        var r = lathe("search", "sample:digits-cnn", "--study", study.toString(), "--budget", "8", "--population", "4", "--seed", "3", "--quick",
                "--precisions", "int8,fp16", "--distill-share", "0.5", "--distill-steps", "15", "--distill-lr", "1e-3", "--distill-bars", "0.999");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("distilled #"), r.out());
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            List<DistilledCandidate> rows = store.distilled();
            assertFalse(rows.isEmpty(), r.out());
            // a candidate of an earlier generation may be picked later, so the share bounds the run, not each generation's own candidates
            Map<Integer, Long> sizes = store.all().stream().collect(Collectors.groupingBy(CandidateRecord::generation, Collectors.counting()));
            long quota = sizes.values().stream().mapToLong(n -> (long) Math.ceil(0.5 * n)).sum();
            assertTrue(rows.size() <= quota, rows.size() + " distilled, more than the shares of " + sizes);
            assertTrue(r.out().contains("distillation aims at the fronts at quality 0.999"), r.out());
            for (DistilledCandidate d : rows)
                assertTrue(d.qualityBefore() < 0.999, "only candidates under the bar: " + d.qualityBefore());
            for (DistilledCandidate d : rows) {
                CandidateRecord measured = store.get(d.candidateId()).orElseThrow();
                assertTrue(measured.isDone());
                assertEquals(measured.quality(), d.qualityBefore(), 1e-9, "before distillation: the candidate as the search measured it, on the same data");
                assertTrue(d.steps() >= 1 && d.steps() <= 15);
                assertNull(d.outPath(), "nothing exported from a search");
                assertNotNull(d.dataFingerprint());
                assertNotNull(d.latencyMs(), "timed against the undistilled candidate");
            }
            assertEquals(rows.size(), rows.stream().map(DistilledCandidate::candidateId).distinct().count(), "each candidate distilled once");
        }
        String table = lathe("candidates", "--study", study.toString()).out();
        assertTrue(table.contains("vs_undistilled: the undistilled candidate's time over the distilled one's"), table);
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
