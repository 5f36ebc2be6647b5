package dev.lathe;

import dev.lathe.search.SearchRunner;
import dev.lathe.config.StudyConfig;
import dev.lathe.study.storage.SqliteStudyStorage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small real studies for the tests that read one: quick searches of the digits MLP on its labelled test data. */
public final class TestStudies {
    /** The shared study: 8 candidates, seed 7. */
    static final int SHARED_BUDGET = 8;
    static final long SHARED_SEED = 7;
    private static Path shared;

    private TestStudies() {}

    /** The hand-made study's latency front: 4 is slower and worse than all. */
    public static final java.util.Set<Long> LATENCY_FRONT = java.util.Set.of(1L, 2L, 3L);
    /** Its peak-memory front: 3 uses half the memory of 2 and scores better, 4 uses the least. */
    public static final java.util.Set<Long> MEMORY_FRONT = java.util.Set.of(1L, 3L, 4L);

    /**
     * A hand-made study searched with {@code --objective memory}: the original (#1) and three candidates whose
     * latency front ({@link #LATENCY_FRONT}) and peak-memory front ({@link #MEMORY_FRONT}) differ.
     */
    public static Path memoryObjectiveStudy(Path file) {
        try (SqliteStudyStorage s = SqliteStudyStorage.open(file)) {
            StudyConfig.defaults().with(dev.lathe.config.MeasuringConfig.DEFAULT.withObjective(dev.lathe.study.Objective.MEMORY)).saveTo(s);
            handMade(s, "{\"keep\":{},\"int8\":[]}", 10, 0.90, 100);
            handMade(s, "{\"keep\":{\"g\":0.5},\"int8\":[]}", 5, 0.80, 120);
            handMade(s, "{\"keep\":{\"g\":0.75},\"int8\":[]}", 8, 0.85, 60);
            handMade(s, "{\"keep\":{\"g\":0.25},\"int8\":[]}", 12, 0.70, 50);
        }
        return file;
    }

    private static void handMade(SqliteStudyStorage s, String genome, double latencyMs, double quality, long peakMib) {
        long id = s.addPending(genome, "test", 0).id();
        s.recordDone(id, dev.lathe.study.TrialResult.of(latencyMs, latencyMs * 1.1, quality, "accuracy", quality, quality, 1000, 100, peakMib * 1048576, 1.0));
    }

    /**
     * One quick search of the digits MLP, run once per test JVM and shared by every test that only reads a study:
     * open it with {@code openExisting} and never write to it (a test that writes takes {@link #copyOfDigitsMlp}).
     */
    public static synchronized Path digitsMlp() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("lathe-shared-study-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            shared = searchDigitsMlp(dir.resolve("digits-mlp.sqlite"), SHARED_BUDGET, SHARED_SEED);
        }
        return shared;
    }

    /** A copy of the shared study at {@code target}, for a test that writes to its study or hands it to code that may. */
    public static Path copyOfDigitsMlp(Path target) throws Exception {
        Files.createDirectories(target.toAbsolutePath().getParent());
        return Files.copy(digitsMlp(), target);
    }

    /** Quick timing, a population of 4, the digits test CSV: seconds per search, every figure real. */
    public static StudyConfig quickDigitsMlp(int budget, long seed) {
        return config(budget, seed, 1, 1, 4, TestModels.samples().resolve("digits-mlp/test.csv").toAbsolutePath().toString(), null, true);
    }

    /** A new study's configuration (calibrated pruning, default precisions) with these search, data and timing choices. */
    public static StudyConfig config(int budget, long seed, int batch, int sequenceLength, int population, String data, String tokenizer, boolean quick) {
        StudyConfig d = StudyConfig.defaults();
        return d.with(new dev.lathe.config.SearchConfig(budget, seed, population, dev.lathe.config.StrategyKind.NSGA2))
                .with(new dev.lathe.config.DataConfig(data, tokenizer, batch, sequenceLength, null, null, null))
                .with(new dev.lathe.config.MeasuringConfig(d.measuring().provider(), d.measuring().clock(), 1, quick, d.measuring().tolerancePct(),
                        d.measuring().referenceEvery(), d.measuring().referenceMinutes(), d.measuring().objective(), d.measuring().isolated(),
                        d.measuring().timeoutSeconds(), null));
    }

    /** Runs {@link #quickDigitsMlp} into {@code study} (created, or resumed if it exists) and returns the file. */
    public static Path searchDigitsMlp(Path study, int budget, long seed) throws Exception {
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            new SearchRunner(TestModels.digitsMlp(), quickDigitsMlp(budget, seed), store, new SearchRunner.Listener() {}).run();
        }
        return study;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // a temporary folder: the system cleans what is left
        }
    }
}
