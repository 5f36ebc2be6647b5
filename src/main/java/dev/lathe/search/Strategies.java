package dev.lathe.search;

import dev.lathe.config.SearchConfig;

/** The strategy a study's {@link dev.lathe.config.StrategyKind} names, over its search space. */
final class Strategies {
    private Strategies() {}

    static SearchStrategy of(SearchConfig search, SearchSpace space) {
        return switch (search.strategy()) {
            case NSGA2 -> new Nsga2Strategy(space, search.population(), search.seed());
            case RANDOM -> new RandomStrategy(space, search.seed());
        };
    }
}
