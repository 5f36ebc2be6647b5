package dev.lathe.export.searchdistill;

import dev.lathe.search.SearchStrategy;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A strategy that proposes what {@code inner} proposes and, once every genome of a generation has been told, hands
 * that generation's measured candidates, most promising first, to {@code step}, which distils the first share of
 * them it can (a candidate it cannot distil, such as one with int8_static layers, gives its turn to the next) and
 * keeps the figures apart. By default the inner strategy is told the measured figures only, so the search's course is
 * what it would be without distillation and what changes is which candidates come with a distilled figure. With
 * {@code steer}, a generation's figures are held until its distillation is done and the inner strategy is then told
 * the distilled quality of the candidates distilled (the better of it and the measured one), so it breeds from what
 * distillation reaches; the study's measured figures stay as measured either way. Candidates told before the first
 * {@link #ask} are a resumed study's replay: not distilled again, but steered by what the study already holds.
 *
 * <p>Promise: among the generation's feasible candidates that lost quality (a candidate without loss has nothing to
 * recover), the fewest candidates of the study dominating it, then the lowest cost. Distillation raises quality at
 * the same cost, so a candidate that is fast but dominated only by a little is what it may lift onto the front.
 */
public final class DistillShareStrategy implements SearchStrategy {
    /** One measured candidate of a generation: its genome and its objectives (both minimised: cost, negated quality). */
    public record Measured(Genome genome, double[] objectives) {}

    /** Distils up to {@code quota} of {@code ranked}, in order, skipping those it cannot distil. */
    public interface Step {
        void distil(List<Measured> ranked, int quota);

        /** The best quality distillation reached for {@code genome} so far (this run's or the study's), or null. */
        default Double distilledQuality(Genome genome) { return null; }
    }

    private record Told(Genome genome, double[] objectives, double[] constraints) {}

    private final SearchStrategy inner;
    private final double share;
    private final Step step;
    private final boolean steer;
    private final List<Told> held = new ArrayList<>();
    private final List<Measured> seen = new ArrayList<>(), generation = new ArrayList<>();
    /**
     * The generation's genomes not yet told, by canonical text: the runner tells the genome read back from the
     * study, whose keep ratios {@link GenomeJson} rounded (and whose ratios of 1 it left out), so it is not
     * {@code equals} to the proposed one.
     */
    private final Set<String> waiting = new LinkedHashSet<>();
    /** Every genome told so far, by canonical text: a proposal the study already holds is never measured again, so never told. */
    private final Set<String> toldKeys = new java.util.HashSet<>();
    private boolean asked;

    public DistillShareStrategy(SearchStrategy inner, double share, Step step) {
        this(inner, share, step, false);
    }

    public DistillShareStrategy(SearchStrategy inner, double share, Step step, boolean steer) {
        if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("the distillation share must be in (0, 1], got " + share);
        this.inner = inner;
        this.share = share;
        this.step = step;
        this.steer = steer;
    }

    @Override
    public String id() {
        return inner.id(); // the candidates are the inner strategy's
    }

    @Override
    public List<Genome> ask(int count) {
        asked = true;
        List<Genome> proposed = inner.ask(count);
        for (Genome g : proposed) {
            String key = GenomeJson.write(g);
            if (!toldKeys.contains(key)) waiting.add(key);
        }
        return proposed;
    }

    @Override
    public void tell(Genome genome, double[] objectives, double[] constraints) {
        if (!steer) inner.tell(genome, objectives, constraints);
        else if (!asked) inner.tell(genome, steered(genome, objectives), constraints);
        else held.add(new Told(genome, objectives, constraints));
        boolean feasible = java.util.Arrays.stream(constraints).allMatch(v -> v >= 0) && Double.isFinite(objectives[0]) && Double.isFinite(objectives[1]);
        Measured m = new Measured(genome, objectives.clone());
        if (feasible) seen.add(m);
        toldKeys.add(GenomeJson.write(genome));
        if (!asked || !waiting.remove(GenomeJson.write(genome))) return;
        if (feasible) generation.add(m);
        if (waiting.isEmpty()) {
            List<Measured> ranked = ranked(generation, seen);
            int quota = (int) Math.ceil(share * generation.size());
            generation.clear();
            if (!ranked.isEmpty()) step.distil(ranked, quota);
            for (Told t : held) inner.tell(t.genome(), steered(t.genome(), t.objectives()), t.constraints());
            held.clear();
        }
    }

    /** {@code objectives} with the quality distillation reached for {@code genome}, where it is better than the measured one. */
    private double[] steered(Genome genome, double[] objectives) {
        Double q = step.distilledQuality(genome);
        if (q == null || !(-q < objectives[1])) return objectives;
        double[] o = objectives.clone();
        o[1] = -q;
        return o;
    }

    /** {@code generation}'s candidates that lost quality, most worth distilling first, judged against everything {@code seen}. */
    static List<Measured> ranked(List<Measured> generation, List<Measured> seen) {
        double bestQuality = seen.stream().mapToDouble(m -> m.objectives()[1]).min().orElse(Double.NaN);
        return generation.stream().filter(m -> m.objectives()[1] > bestQuality)
                .sorted(Comparator.<Measured>comparingLong(m -> seen.stream().filter(o -> dominates(o.objectives(), m.objectives())).count())
                        .thenComparingDouble(m -> m.objectives()[0]))
                .toList();
    }

    private static boolean dominates(double[] a, double[] b) {
        return a[0] <= b[0] && a[1] <= b[1] && (a[0] < b[0] || a[1] < b[1]);
    }
}
