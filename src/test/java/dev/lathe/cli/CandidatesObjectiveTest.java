package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestStudies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** {@code candidates} shows a study's own front: a study searched on peak memory is shown its peak-memory front. */
class CandidatesObjectiveTest {
    @TempDir
    Path dir;

    @Test
    void aMemoryObjectiveStudyIsShownItsMemoryFront() throws Exception {
        Path study = TestStudies.memoryObjectiveStudy(dir.resolve("memory.sqlite"));
        LatheCommandTest.Run r = LatheCommandTest.lathe("candidates", "--study", study.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        Set<Long> front = new TreeSet<>();
        for (JsonNode c : new ObjectMapper().readTree(r.out())) {
            if (c.get("pareto").asBoolean()) front.add(c.get("id").asLong());
            if (c.get("id").asLong() == 1) assertEquals(1.0, c.get("speedup").asDouble(), 0.0, "the original's speed-up");
        }
        assertEquals(TestStudies.MEMORY_FRONT, front);
        assertNotEquals(TestStudies.LATENCY_FRONT, front);

        LatheCommandTest.Run text = LatheCommandTest.lathe("candidates", "--study", study.toString(), "--pareto");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("front: peak memory against quality"), text.out());
        Set<Long> listed = new TreeSet<>();
        text.out().lines().filter(l -> l.matches("\\s*\\d+ done\\s+\\*.*")).forEach(l -> listed.add(Long.parseLong(l.strip().split("\\s+")[0])));
        assertEquals(TestStudies.MEMORY_FRONT, listed);
        assertTrue(text.out().strip().lines().reduce((a, b) -> b).orElseThrow().contains("share of the original's peak memory saved"), text.out());
    }
}
