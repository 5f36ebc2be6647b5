package dev.lathe.export;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distilling from the window's worker threads: each run may land on a thread other than the one that loaded PyTorch. */
class DistilledStudyExportTest {
    /**
     * The engine is loaded on the test thread, where DJL turns autograd off, not on the fresh threads below: tests that
     * run {@code Distiller} directly on the test thread rely on that, until it turns autograd off itself. The fresh
     * threads still start with autograd on, which is what this test is about.
     */
    @org.junit.jupiter.api.BeforeAll
    static void loadTheEngineHere() {
        dev.lathe.transform.distill.TorchEngine.get();
    }

    @Test
    void distilsOnFreshThreadsOneAfterAnother(@TempDir Path dir) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("s.sqlite"));
        Path data = TestModels.digitsMlp().resolveSibling("test.csv");
        long id;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            id = s.all().stream().filter(CandidateRecord::isDone).filter(c -> c.genomeJson().contains("keep"))
                    .min(Comparator.comparingDouble(CandidateRecord::quality)).orElseThrow().id();
        }
        for (int run = 1; run <= 2; run++) {
            Path out = dir.resolve("out" + run);
            ExecutorService fresh = Executors.newSingleThreadExecutor(); // a new thread each time, as a cached pool's may be
            try {
                DistilledStudyExport.Result r = fresh.submit(() -> {
                    try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
                        return DistilledStudyExport.run(s, id, data, null, DistillationSettings.steps(10, 1).withLearningRate(1e-3), out, null);
                    }
                }).get();
                assertTrue(Files.isRegularFile(r.model()));
                assertEquals(run, r.recorded().id());
            } finally {
                fresh.shutdown();
            }
        }
    }
}
