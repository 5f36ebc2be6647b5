package dev.lathe.bench;

import dev.lathe.config.StrategyKind;
import dev.lathe.search.SearchSpace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Strategies against a table over many seeds. Each (strategy, seed) runs once to the largest budget and is read at
 * every budget from its hypervolume curve (anytime performance, as tabular benchmarks plot it: the first
 * {@code b} evaluations of a run are what a run of budget {@code b} would have spent, but for the size of its last
 * generation). Per strategy and budget: the quartiles of normalized hypervolume over seeds, the median evaluations
 * to 95% of the table's hypervolume (a seed that never gets there counts as never, and a median of never is null),
 * and against each other strategy the paired Wilcoxon p-value (Holm-corrected over all pairs at that budget), A12,
 * and the sample-efficiency ratio (the other's median evaluations to 95% over this one's, never counted as the
 * budget + 1, so a ratio is then a bound) with its bootstrap interval.
 */
public final class SearchBenchmark {
    public static final double TARGET = 0.95;

    /** One row of the result. */
    public record Comparison(double pHolm, double a12, double efficiencyRatio, double efficiencyLow, double efficiencyHigh) {}

    public record Row(String strategy, int budget, double medianHv, double q1Hv, double q3Hv, Double evalsTo95, Map<String, Comparison> vs) {}

    private SearchBenchmark() {}

    public static List<Row> run(LookupTable table, SearchSpace space, List<StrategyKind> strategies, List<Integer> budgets, int seeds, int population,
                                Consumer<String> progress) {
        int max = budgets.stream().mapToInt(Integer::intValue).max().orElseThrow();
        TableReplay replay = new TableReplay(table, space, population);
        Map<StrategyKind, double[][]> curves = new LinkedHashMap<>();
        for (StrategyKind k : strategies) {
            double[][] c = new double[seeds][];
            for (int s = 0; s < seeds; s++) c[s] = replay.run(k, s + 1, max);
            curves.put(k, c);
            progress.accept(k.id() + ": " + seeds + " seeds replayed");
        }
        List<Row> rows = new ArrayList<>();
        for (int budget : budgets) {
            Map<StrategyKind, double[]> hv = new LinkedHashMap<>(), evals = new LinkedHashMap<>();
            for (StrategyKind k : strategies) {
                double[] h = new double[seeds], e = new double[seeds];
                for (int s = 0; s < seeds; s++) {
                    h[s] = curves.get(k)[s][budget - 1];
                    Integer reached = TableReplay.evaluationsTo(curves.get(k)[s], TARGET, budget);
                    e[s] = reached == null ? budget + 1 : reached;
                }
                hv.put(k, h);
                evals.put(k, e);
            }
            List<StrategyKind[]> pairs = new ArrayList<>();
            for (int i = 0; i < strategies.size(); i++) for (int j = i + 1; j < strategies.size(); j++) pairs.add(new StrategyKind[] {strategies.get(i), strategies.get(j)});
            double[] p = new double[pairs.size()];
            for (int i = 0; i < p.length; i++) p[i] = BenchmarkStatistics.wilcoxon(hv.get(pairs.get(i)[0]), hv.get(pairs.get(i)[1]));
            double[] adjusted = BenchmarkStatistics.holm(p);
            for (StrategyKind k : strategies) {
                Map<String, Comparison> vs = new LinkedHashMap<>();
                for (int i = 0; i < pairs.size(); i++) {
                    StrategyKind other = pairs.get(i)[0] == k ? pairs.get(i)[1] : pairs.get(i)[1] == k ? pairs.get(i)[0] : null;
                    if (other == null) continue;
                    var ratio = BenchmarkStatistics.ratioOfMedians(evals.get(other), evals.get(k), 2000, budget);
                    vs.put(other.id(), new Comparison(adjusted[i], BenchmarkStatistics.a12(hv.get(k), hv.get(other)), ratio.ratio(), ratio.low(), ratio.high()));
                }
                double medianEvals = LookupTable.median(evals.get(k));
                rows.add(new Row(k.id(), budget, BenchmarkStatistics.quantile(hv.get(k), 50), BenchmarkStatistics.quantile(hv.get(k), 25),
                        BenchmarkStatistics.quantile(hv.get(k), 75), medianEvals > budget ? null : medianEvals, vs));
            }
        }
        return rows;
    }
}
