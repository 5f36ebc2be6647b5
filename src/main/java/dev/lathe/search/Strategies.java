package dev.lathe.search;

import dev.lathe.config.SearchConfig;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.storage.SqliteSideTables;

import java.util.function.Consumer;

/** The strategy a study's {@link dev.lathe.config.StrategyKind} names, over its search space. */
final class Strategies {
    private Strategies() {}

    /** {@code store} keeps the predictor's reports per generation; {@code log} hears its decisions. */
    static SearchStrategy of(SearchConfig search, SearchSpace space, StudyStorage store, Consumer<String> log) {
        return switch (search.strategy()) {
            case NSGA2 -> new Nsga2Strategy(space, search.population(), search.seed());
            case RANDOM -> new RandomStrategy(space, search.seed());
            case PREDICTOR -> new PredictorStrategy(space, search.population(), search.seed(),
                    r -> SqliteSideTables.appendPredictorReport(store.file(), r), log);
        };
    }
}
