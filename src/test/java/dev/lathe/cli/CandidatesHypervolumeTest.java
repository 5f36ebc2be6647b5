package dev.lathe.cli;

import dev.lathe.study.TrialResult;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CandidatesHypervolumeTest {
    @TempDir
    Path dir;

    /** The original at 10 ms and one candidate at 5 ms with quality 0.8: half the latency saved, times 0.8. */
    @Test
    void candidatesEndsWithTheStudysHypervolume() {
        Path study = dir.resolve("hand.sqlite");
        try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
            long original = s.addPending("{\"keep\":{},\"int8\":[]}", "test", 0).id();
            s.recordDone(original, TrialResult.of(10, 11, 0.9, "accuracy", 0.9, 0.9, 1000, 100, null, 1));
            long half = s.addPending("{\"keep\":{\"g\":0.5},\"int8\":[]}", "test", 0).id();
            s.recordDone(half, TrialResult.of(5, 6, 0.8, "accuracy", 0.8, 0.8, 500, 50, null, 1));
        }
        LatheCommandTest.Run r = LatheCommandTest.lathe("candidates", "--study", study.toString());
        assertEquals(0, r.code(), r.err());
        String last = r.out().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.startsWith("hypervolume: 0.4000 after 2 evaluations (share of the original's latency saved x quality"), r.out());
    }
}
