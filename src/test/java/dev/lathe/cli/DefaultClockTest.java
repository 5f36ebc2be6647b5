package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.eval.timing.LatencyClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Without {@code --clock}, bench, compare and a new search time on CPU time where it is latency (the CPU provider,
 * one intra-op thread) and on the wall clock with several threads; the other clock's median is still printed.
 * {@code --clock auto} is the same rule, and a resumed study keeps its own clock.
 */
class DefaultClockTest {
    @TempDir Path dir;

    @Test
    void theRule() {
        assertEquals(LatencyClock.CPU, LatencyClock.defaultFor("cpu", 1));
        assertEquals(LatencyClock.CPU, LatencyClock.defaultFor("CPU", 1));
        assertEquals(LatencyClock.WALL, LatencyClock.defaultFor("cpu", 2), "CPU time over several threads is their sum, not latency");
        assertEquals(LatencyClock.WALL, LatencyClock.defaultFor("cuda", 1), "CPU time misses a GPU's work");
    }

    @org.junit.jupiter.api.Tag("slow")
    @Test
    void benchCompareAndANewSearchDefaultToCpuTimeAtOneThread() throws Exception {
        LatheCommandTest.Run one = lathe("bench", "sample:digits-mlp", "--in-process");
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().contains("clock CPU time per run"), one.out());
        assertTrue(one.out().lines().anyMatch(l -> l.startsWith("median ") && l.contains(" ms CPU ±") && l.contains("  wall ")),
                "the wall clock's median is printed beside it: " + one.out());
        assertFalse(one.err().contains("WARNING"), one.err());

        LatheCommandTest.Run two = lathe("bench", "sample:digits-mlp", "--in-process", "--threads", "2");
        assertEquals(0, two.code(), two.err());
        assertTrue(two.out().contains("clock wall clock per run"), two.out());
        assertFalse(two.err().contains("WARNING"), "no CPU-time caveat when the default picks the wall clock: " + two.err());

        LatheCommandTest.Run auto = lathe("bench", "sample:digits-mlp", "--in-process", "--threads", "2", "--clock", "auto");
        assertTrue(auto.out().contains("clock wall clock per run"), auto.out());

        LatheCommandTest.Run compare = lathe("compare", "sample:digits-mlp", "sample:digits-mlp");
        assertEquals(0, compare.code(), compare.err());
        assertTrue(compare.out().lines().findFirst().orElse("").contains("clock CPU time"), compare.out());

        Path study = dir.resolve("default.sqlite");
        LatheCommandTest.Run s = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "2", "--quick", "--in-process");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("Pareto front of latency on CPU time"), s.out());
        JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", study.toString(), "--json").out());
        list.forEach(n -> assertEquals("cpu", n.get("latency_clock").asText()));

        Path threaded = dir.resolve("threaded.sqlite");
        LatheCommandTest.Run t = lathe("search", "sample:digits-mlp", "--study", threaded.toString(), "--budget", "2", "--quick", "--in-process",
                "--threads", "2");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("Pareto front of latency on wall clock"), t.out());
        // Resumed without --clock: the study keeps the wall clock it was timed on.
        LatheCommandTest.Run resumed = lathe("search", "sample:digits-mlp", "--study", threaded.toString(), "--budget", "3", "--quick", "--in-process",
                "--threads", "2");
        assertEquals(0, resumed.code(), resumed.err());
        new ObjectMapper().readTree(lathe("candidates", "--study", threaded.toString(), "--json").out())
                .forEach(n -> assertEquals("wall", n.get("latency_clock").asText()));
    }
}
