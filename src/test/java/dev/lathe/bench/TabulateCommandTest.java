package dev.lathe.bench;

import dev.lathe.TestModels;
import dev.lathe.cli.LatheCommand;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.TabularSpace;
import dev.lathe.study.storage.SqliteSideTables;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

@Tag("slow")
class TabulateCommandTest {
    @TempDir
    Path dir;

    private static String tabulate(Path out, String... more) {
        StringWriter o = new StringWriter(), e = new StringWriter();
        Path model = TestModels.digitsMlp();
        // Both groups kept whole: the grid is the 2^3 precision choices of the three layers.
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("tabulate", model.toString(),
                "--data", model.resolveSibling("test.csv").toString(), "--levels", "2", "--repeats", "2", "--quick", "--in-process",
                "--keep-range", "mlp_units=1:1", "--out", out.toString()));
        args.addAll(java.util.List.of(more));
        int code = LatheCommand.execute(new PrintWriter(o, true), new PrintWriter(e, true), args.toArray(String[]::new));
        assertEquals(0, code, e.toString() + o);
        return o.toString();
    }

    @Test
    void measuresTheWholeSmallGridWithItsRepeatsAndResumes() {
        Path table = dir.resolve("t.lathe");
        String first = tabulate(table);
        assertTrue(first.contains("Tabulating 8 genomes"), first);
        assertEquals(new TabularSpace(2, 500, 2, 8, true), SqliteSideTables.tabularSpace(table).orElseThrow());
        Map<String, double[]> repeats = SqliteSideTables.repeats(table);
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(table)) {
            assertEquals(8, s.count(CandidateStatus.DONE));
            assertEquals(8, repeats.size());
            for (var c : s.all()) {
                double[] r = repeats.get(c.genomeJson());
                assertEquals(2, r.length);
                assertEquals(c.latencyMs(), r[0], 1e-12, "the first repeat is the figure the study records");
            }
        }
        String second = tabulate(table);
        assertTrue(second.contains("8 of 8 genomes measured"), second);
        assertFalse(second.contains("[1/8]"), "nothing measured twice: " + second);
        assertEquals(repeats.keySet(), SqliteSideTables.repeats(table).keySet());
    }

    /** --clock cpu is recorded in the table's settings, and --layer-precisions pins a layer out of the grid. */
    @Test
    void recordsTheClockAndPinsLayers() throws Exception {
        Path table = dir.resolve("cpu.lathe");
        String out = tabulate(table, "--clock", "cpu", "--layer-precisions", "/net/net.0/Gemm=fp32");
        assertTrue(out.contains("Tabulating 4 genomes"), "one layer pinned leaves 2^2 precision choices: " + out);
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(table)) {
            assertEquals(dev.lathe.eval.timing.LatencyClock.CPU, dev.lathe.config.StudyConfig.of(s).orElseThrow().measuring().clock());
            for (var c : s.all()) assertFalse(c.genomeJson().contains("/net/net.0/Gemm"), "the pinned layer stays float32: " + c.genomeJson());
        }
    }
}
