package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.ConfirmedSpeedup;
import dev.lathe.study.Study;
import dev.lathe.config.Studies;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The confirmation step: after a search on the digits MLP every front candidate but the original is re-timed
 * interleaved with the original in the worker, and the figures are in the reopened study, in {@code candidates}
 * and beside the search's own in its printed front; {@code candidates --confirm} confirms a stored study again.
 */
class FrontConfirmationTest {
    @TempDir Path dir;

    @Test
    void theSearchStoresConfirmedSpeedupsOfItsFront() throws Exception {
        Path study = dir.resolve("confirmed.sqlite");
        LatheCommandTest.Run s = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "6", "--quick", "--seed", "3");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("Confirming the front:"), s.out());
        assertTrue(s.out().contains("confirmed"), s.out());

        Set<Long> expected;
        Map<Long, ConfirmedSpeedup> stored;
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            Study st = Studies.read(store);
            expected = st.front().stream().filter(c -> !GenomeJson.read(c.genomeJson()).isOriginal()).map(CandidateRecord::id).collect(Collectors.toSet());
            stored = store.confirmations();
        }
        assertFalse(expected.isEmpty(), "six candidates of the MLP give a front beyond the original");
        assertEquals(expected, stored.keySet(), "every front candidate but the original is confirmed");
        for (ConfirmedSpeedup c : stored.values()) {
            assertTrue(c.low() <= c.speedup() && c.speedup() <= c.high(), c.toString());
            assertTrue(c.cycles() >= dev.lathe.eval.timing.InterleavedComparison.MIN_CYCLES || c.cycles() > 0, c.toString());
            assertTrue(c.originalMs() > 0 && c.candidateMs() > 0, c.toString());
            assertEquals("cpu", c.clock(), "a new study without --clock times on CPU time at one thread, and confirms on it");
            // The speed-up is the ratio of the two models' times in the same cycles: close to the ratio of their medians.
            assertEquals(c.originalMs() / c.candidateMs(), c.speedup(), 0.5 * c.speedup(), c.toString());
            assertTrue(s.out().contains("confirmed #" + c.candidateId() + ": search "), s.out());
        }

        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        for (JsonNode n : list) {
            long id = n.get("id").asLong();
            if (stored.containsKey(id)) assertEquals(stored.get(id).speedup(), n.get("confirmed_speedup").asDouble(), 1e-12);
            else assertTrue(n.get("confirmed_speedup").isNull(), n.toString());
        }
        String table = lathe("candidates", "--study", study.toString()).out();
        assertTrue(table.contains("confirmed") && table.contains(String.format("%.2fx", stored.values().iterator().next().speedup())), table);

        // Confirming again replaces each figure with a newer one, for the same candidates.
        LatheCommandTest.Run again = lathe("candidates", "--study", study.toString(), "--confirm");
        assertEquals(0, again.code(), again.err());
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            Map<Long, ConfirmedSpeedup> now = store.confirmations();
            assertEquals(expected, now.keySet());
            for (long id : expected) assertTrue(now.get(id).measuredAt().compareTo(stored.get(id).measuredAt()) > 0);
        }
    }
}
