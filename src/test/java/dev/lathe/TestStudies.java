package dev.lathe;

import dev.lathe.search.SearchRunner;
import dev.lathe.search.SearchSettings;
import dev.lathe.study.StudyStore;

import java.nio.file.Path;

/** Small real studies for the tests that read one: quick searches of the digits MLP on its labelled test data. */
public final class TestStudies {
    private TestStudies() {}

    /** Quick timing, a population of 4, the digits test CSV: seconds per search, every figure real. */
    public static SearchSettings quickDigitsMlp(int budget, long seed) {
        return new SearchSettings(budget, seed, 1, 1, 1, 4, "nsga2",
                TestModels.samples().resolve("digits-mlp/test.csv").toAbsolutePath().toString(), null, true);
    }

    /** Runs {@link #quickDigitsMlp} into {@code study} (created, or resumed if it exists) and returns the file. */
    public static Path searchDigitsMlp(Path study, int budget, long seed) throws Exception {
        try (StudyStore store = StudyStore.open(study)) {
            new SearchRunner(TestModels.digitsMlp(), quickDigitsMlp(budget, seed), store, new SearchRunner.Listener() {}).run();
        }
        return study;
    }
}
