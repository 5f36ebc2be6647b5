package dev.lathe.search;

import dev.lathe.config.SearchConfig;
import dev.lathe.config.StrategyKind;
import dev.lathe.study.PredictorReport;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.storage.SqliteSideTables;

import java.util.function.Consumer;

/** The strategy a study's {@link dev.lathe.config.StrategyKind} names, over its search space. */
public final class Strategies {
    private Strategies() {}

    /** {@code store} keeps the predictor's reports per generation; {@code log} hears its decisions. */
    static SearchStrategy of(SearchConfig search, SearchSpace space, StudyStorage store, Consumer<String> log) {
        return of(search.strategy(), space, search.population(), search.seed(), r -> SqliteSideTables.appendPredictorReport(store.file(), r), log);
    }

    /** A strategy of {@code kind}; {@code reports} hears the predictor's per-generation reports (others make none). */
    public static SearchStrategy of(StrategyKind kind, SearchSpace space, int population, long seed, Consumer<PredictorReport> reports, Consumer<String> log) {
        return switch (kind) {
            case NSGA2 -> new Nsga2Strategy(space, population, seed);
            case RANDOM -> new RandomStrategy(space, seed);
            case PREDICTOR -> new PredictorStrategy(space, population, seed, reports, log);
        };
    }
}
