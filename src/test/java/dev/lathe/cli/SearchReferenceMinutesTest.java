package dev.lathe.cli;

import static dev.lathe.cli.CliRun.lathe;

import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code search --reference-minutes}: references by time as well as by count, and a bad interval refused before any study exists. */
class SearchReferenceMinutesTest {
    @TempDir
    Path dir;

    @Test
    void aShortIntervalReferencesBeforeEveryCandidateAndABadOneIsRefused() throws Exception {
        Path refused = dir.resolve("refused.sqlite");
        CliRun bad = lathe("search", "sample:digits-mlp", "--study", refused.toString(), "--budget", "2", "--reference-minutes", "0");
        assertNotEquals(0, bad.exit());
        assertTrue((bad.out() + bad.err()).contains("reference interval must be positive minutes, got 0.0"), bad.out() + bad.err());
        assertFalse(Files.exists(refused), "no study file for a refused search");

        // 0.0005 min is 30 ms: less than a candidate takes, so the interval, not the count of 50, calls each reference.
        Path study = dir.resolve("timed.sqlite");
        CliRun timed = lathe("search", "sample:digits-mlp", "--study", study.toString(), "--budget", "4", "--quick", "--in-process",
                "--sensitivity-samples", "0", "--criterion", "activation", "--reference-every", "50", "--reference-minutes", "0.0005");
        assertEquals(0, timed.exit(), timed.out() + timed.err());
        try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
            // One at the start, one before each later candidate, one closing (and maybe one before the first, if asking took 30 ms);
            // by the count alone there would be two.
            int n = s.references().size();
            assertTrue(n == 5 || n == 6, n + " references:\n" + timed.out());
        }
    }
}
