package dev.lathe.export.searchdistill;

import dev.lathe.search.SearchStrategy;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.util.ArrayList;
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
 * <p>Which candidates: {@link FrontGainRanking} ranks every feasible candidate of the study not yet distilled (not only
 * the generation's, since one passed over earlier may be the best bet now) by the front improvement it is expected to
 * bring at the quality bars, learning from each distillation how much quality it recovers. Candidates with no
 * expected gain are never distilled, so a generation may get fewer than its share.
 */
public final class DistillShareStrategy implements SearchStrategy {
    /** One measured candidate of a generation: its genome and its objectives (both minimised: cost, negated quality). */
    public record Measured(Genome genome, double[] objectives) {}

    /** Distils up to {@code quota} of {@code ranked}, in order, skipping those it cannot distil. */
    public interface Step {
        void distil(List<Measured> ranked, int quota);

        /** The best quality distillation reached for {@code genome} so far (this run's or the study's), or null. */
        default Double distilledQuality(Genome genome) { return null; }

        /** Every distillation the study holds so far, for learning how much distillation recovers. */
        default List<FrontGainRanking.Recovery> recoveries() { return List.of(); }

        /** Told the ranking, scores included, before {@link #distil} (for the log). */
        default void ranking(List<FrontGainRanking.Scored> scored) {}
    }

    private record Told(Genome genome, double[] objectives, double[] constraints) {}

    private final SearchStrategy inner;
    private final double share;
    private final Step step;
    private final boolean steer;
    private final FrontGainRanking ranking;
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
        this(inner, share, step, steer, FrontGainRanking.of(null, null));
    }

    public DistillShareStrategy(SearchStrategy inner, double share, Step step, boolean steer, FrontGainRanking ranking) {
        if (!(share > 0 && share <= 1)) throw new IllegalArgumentException("the distillation share must be in (0, 1], got " + share);
        this.inner = inner;
        this.share = share;
        this.step = step;
        this.steer = steer;
        this.ranking = ranking;
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
        boolean feasible = ranking.considers(objectives, constraints); // a candidate under the minimum quality may be lifted over it
        Measured m = new Measured(genome, objectives.clone());
        if (feasible) seen.add(m);
        toldKeys.add(GenomeJson.write(genome));
        if (!asked || !waiting.remove(GenomeJson.write(genome))) return;
        if (feasible) generation.add(m);
        if (waiting.isEmpty()) {
            List<FrontGainRanking.Scored> scored = ranking.rank(seen, step::distilledQuality,
                    g -> !g.layersAt(dev.lathe.transform.genome.Precision.INT8).isEmpty(), step.recoveries());
            List<Measured> ranked = scored.stream().map(FrontGainRanking.Scored::measured).toList();
            step.ranking(scored);
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
}
