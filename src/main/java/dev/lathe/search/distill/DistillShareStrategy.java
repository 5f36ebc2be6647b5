package dev.lathe.search.distill;

import dev.lathe.search.SearchStrategy;
import dev.lathe.transform.genome.Genome;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A strategy that proposes what {@code inner} proposes and, once every genome of a generation has been told, hands
 * the most promising share of that generation's measured candidates to {@code step} (which distils them and keeps
 * the figures apart). The inner strategy is told the measured figures only, so the search's course is the same as
 * without it; what changes is which candidates come with a distilled figure. Candidates told before the first
 * {@link #ask} are a resumed study's replay and are not distilled again.
 *
 * <p>Promise: among the generation's feasible candidates that lost quality (a candidate without loss has nothing to
 * recover), the fewest candidates of the study dominating it, then the lowest cost. Distillation raises quality at
 * the same cost, so a candidate that is fast but dominated only by a little is what it may lift onto the front.
 */
public final class DistillShareStrategy implements SearchStrategy {
    /** One measured candidate of a generation: its genome and its objectives (both minimised: cost, negated quality). */
    public record Measured(Genome genome, double[] objectives) {}

    private final SearchStrategy inner;
    private final double share;
    private final Consumer<List<Measured>> step;
    private final List<Measured> seen = new ArrayList<>(), generation = new ArrayList<>();
    private final Set<Genome> waiting = new LinkedHashSet<>();
    private boolean asked;

    public DistillShareStrategy(SearchStrategy inner, double share, Consumer<List<Measured>> step) {
        if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("the distillation share must be in (0, 1], got " + share);
        this.inner = inner;
        this.share = share;
        this.step = step;
    }

    @Override
    public String id() {
        return inner.id(); // the candidates are the inner strategy's
    }

    @Override
    public List<Genome> ask(int count) {
        asked = true;
        List<Genome> proposed = inner.ask(count);
        waiting.addAll(proposed);
        return proposed;
    }

    @Override
    public void tell(Genome genome, double[] objectives, double[] constraints) {
        inner.tell(genome, objectives, constraints);
        boolean feasible = java.util.Arrays.stream(constraints).allMatch(v -> v >= 0) && Double.isFinite(objectives[0]) && Double.isFinite(objectives[1]);
        Measured m = new Measured(genome, objectives.clone());
        if (feasible) seen.add(m);
        if (!asked || !waiting.remove(genome)) return;
        if (feasible) generation.add(m);
        if (waiting.isEmpty()) {
            List<Measured> chosen = mostPromising(generation, seen, share);
            generation.clear();
            if (!chosen.isEmpty()) step.accept(chosen);
        }
    }

    /** The {@code share} of {@code generation} (rounded up) most worth distilling, judged against everything {@code seen}. */
    static List<Measured> mostPromising(List<Measured> generation, List<Measured> seen, double share) {
        double bestQuality = seen.stream().mapToDouble(m -> m.objectives()[1]).min().orElse(Double.NaN);
        List<Measured> lossy = generation.stream().filter(m -> m.objectives()[1] > bestQuality).toList();
        int n = (int) Math.ceil(share * generation.size());
        return lossy.stream()
                .sorted(Comparator.<Measured>comparingLong(m -> seen.stream().filter(o -> dominates(o.objectives(), m.objectives())).count())
                        .thenComparingDouble(m -> m.objectives()[0]))
                .limit(n).toList();
    }

    private static boolean dominates(double[] a, double[] b) {
        return a[0] <= b[0] && a[1] <= b[1] && (a[0] < b[0] || a[1] < b[1]);
    }
}
