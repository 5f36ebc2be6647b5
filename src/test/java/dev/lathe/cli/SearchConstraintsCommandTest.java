package dev.lathe.cli;

import dev.lathe.study.Constraints;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import dev.lathe.config.StudyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** search's constraint and keep-range options: usage errors, unknown groups, and a resumed study's constraints. */
@Tag("slow")
class SearchConstraintsCommandTest {
    @TempDir
    Path dir;

    @Test
    void malformedOptionsAreUsageErrors() {
        String study = dir.resolve("bad.sqlite").toString();
        var r = lathe("search", "sample:digits-mlp", "--study", study, "--keep-range", "mlp_units");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--keep-range wants KIND_OR_GROUP=MIN:MAX, got 'mlp_units'"), r.err());
        r = lathe("search", "sample:digits-mlp", "--study", study, "--keep-range", "mlp_units=0.8:0.2");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--keep-range mlp_units=0.8:0.2: keep range 0.8:0.2 has its minimum above its maximum"), r.err());
        r = lathe("search", "sample:digits-mlp", "--study", study, "--keep-range", "mlp_units=half:1");
        assertTrue(r.code() == 2 && r.err().contains("a keep range is MIN:MAX"), r.err());
        r = lathe("search", "sample:digits-mlp", "--study", study, "--max-latency-ms", "-1");
        assertTrue(r.code() == 2 && r.err().contains("latency bound (ms) must be above 0, got -1.0"), r.err());
        r = lathe("search", "sample:digits-mlp", "--study", study, "--min-keep", "1.5");
        assertTrue(r.code() == 2 && r.err().contains("global minimum keep ratio must be above 0 and at most 1"), r.err());
    }

    @Test
    void unknownGroupsAreRefusedBeforeTheStudyRecordsThem() throws Exception {
        Path study = dir.resolve("unknown.sqlite");
        var r = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--keep-range", "attention_heads=0.5:1", "--keep-block", "block:0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown group or kind in the keep ranges: attention_heads (this model has no attention_heads groups); "
                + "this model's kinds: mlp_units; its groups: mlp:/net/net.0/Gemm, mlp:/net/net.2/Gemm"), r.err());
        // Stronger than "nothing recorded": a failed start leaves no study file at all (issue 14), so a corrected run starts afresh.
        assertFalse(java.nio.file.Files.exists(study), "no study file for a search that never recorded a candidate");
        assertFalse(java.nio.file.Files.exists(dir.resolve("unknown.sqlite-wal")));
    }

    /** Constraints are stored, listed with what each candidate breaks, and replaced (with a log line) when given anew. */
    @Test
    void aResumedStudyKeepsItsConstraintsUnlessNewOnesAreGiven() throws Exception {
        Path study = dir.resolve("bounded.sqlite");
        var first = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "3", "--quick", "--sensitivity-samples", "0",
                "--min-quality", "0.975", "--max-size-mb", "1");
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("Constraints: size ≤ 1 MB, quality ≥ 0.975"), first.out());
        var kept = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "4", "--quick");
        assertEquals(0, kept.code(), kept.err());
        assertTrue(kept.out().contains("Keeping the study's constraints: size ≤ 1 MB, quality ≥ 0.975"), kept.out());
        var changed = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "4", "--quick", "--max-latency-ms", "1000");
        assertEquals(0, changed.code(), changed.err());
        assertTrue(changed.out().contains("Constraints changed from size ≤ 1 MB, quality ≥ 0.975 to latency ≤ 1000 ms"), changed.out());
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            assertEquals(new Constraints(1000.0, null, null, null), StudyConfig.of(s).orElseThrow().constraints());
        }
        var list = lathe("candidates", "--study", study.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("constraints: latency ≤ 1000 ms (the front is of the candidates meeting them)"), list.out());
    }
}
