package dev.lathe.config;

/** How many candidates a study measures in all, from which seed, and how they are proposed. */
public record SearchConfig(int budget, long seed, int population, StrategyKind strategy) {
    public static final SearchConfig DEFAULT = new SearchConfig(40, 1, 12, StrategyKind.NSGA2);

    public SearchConfig {
        if (budget < 1) throw new IllegalArgumentException("budget must be at least 1 candidate, got " + budget);
        if (population < 2) throw new IllegalArgumentException("population must be at least 2, got " + population);
        if (strategy == null) throw new IllegalArgumentException("a strategy is required (" + Spelled.allowed(StrategyKind.class) + ")");
    }

    public SearchConfig withBudget(int b) {
        return new SearchConfig(b, seed, population, strategy);
    }
}
