package dev.lathe.export.searchdistill;

import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.apache.commons.math3.distribution.BetaDistribution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Which candidates of a search are worth a distillation: those whose distilled quality could cross a quality bar the
 * user cares about and that would then be faster than anything already above that bar. Each candidate is scored by
 * the front improvement it is expected to bring,
 * <pre>  gain = Σ over bars b above its quality, where it is faster than the best at ≥ b:  P(recovered share ≥ need_b) × (best_b − cost) / best_b</pre>
 * where {@code need_b = (b − q) / (ceiling − q)} is the share of its lost quality it must win back to reach {@code b},
 * {@code ceiling} the best quality measured (the original's), and {@code best_b} the lowest cost among candidates at
 * ≥ b, distilled qualities counted. The recovered share follows a Beta distribution: a prior of mean
 * {@link #PRIOR_MEAN} worth {@link #PRIOR_WEIGHT} distillations, updated with the share each distillation of the study
 * recovered (one Beta per kind: with int8 layers, trained quantization-aware, or without), so the search learns how
 * much distillation recovers on this model and budget. A candidate whose gain is 0 (above every bar, or slower than
 * what already passes its bars) is never chosen: distillation cannot improve the fronts there. Ties go to the lower
 * cost, then the genome's text, so the order is fixed for a given study.
 *
 * <p>Bars the user names (and a study's minimum quality) are absolute, in the study's quality metric. The default
 * bars are relative: 95%, 98% and 99% of the best quality measured, which for an embedder scored by cosine to the
 * original is 0.95, 0.98 and 0.99, and for a classifier scored by accuracy sits just under the original's accuracy.
 */
public final class FrontGainRanking {
    /** The bars when the user names none: the levels at which the live searches' fronts are reported. */
    public static final List<Double> DEFAULT_BARS = List.of(0.95, 0.98, 0.99);
    /**
     * Prior mean of the share of lost quality a distillation recovers. Measured so far (docs/distillation.md,
     * docs/live-searches.md): 3-6% for 40-80 steps inside a MiniLM search, 22-43% for 5-minute MiniLM runs, 50-54% on
     * the digits CNN. A quarter, worth two distillations, lets the study's own first figures take over quickly.
     */
    public static final double PRIOR_MEAN = 0.25, PRIOR_WEIGHT = 2;

    /** One distillation of the study: quality before and after, and whether its candidate has int8 layers. */
    public record Recovery(double before, double after, boolean int8) {}

    /** A candidate with its expected front improvement, the lowest bar it aims at, and the share it must recover for it. */
    public record Scored(DistillShareStrategy.Measured measured, double gain, double bar, double need, double probability) {
        public String describe() {
            return String.format(Locale.ROOT, "gain %.4f: under %.2f, needs %.0f%% of its loss back (P %.2f)", gain, bar, 100 * need, probability);
        }
    }

    private final double[] absolute, relative;
    private final boolean minQualityConstraint;

    /** Absolute bars only. */
    public FrontGainRanking(Collection<Double> bars) {
        this(bars, List.of(), false);
    }

    /**
     * {@code absolute} bars in the study's metric and {@code relative} ones as shares of the best quality measured;
     * {@code minQualityConstraint}: the study's last constraint is its minimum quality, which a candidate under that
     * bar breaks and distillation may mend, so such a candidate is still ranked.
     */
    public FrontGainRanking(Collection<Double> absolute, Collection<Double> relative, boolean minQualityConstraint) {
        this.minQualityConstraint = minQualityConstraint;
        if (absolute.isEmpty() && relative.isEmpty()) throw new IllegalArgumentException("distillation ranking needs at least one quality bar");
        for (double b : absolute) if (!(b > 0 && b <= 1)) throw new IllegalArgumentException("a quality bar must be in (0, 1], got " + b);
        for (double b : relative) if (!(b > 0 && b <= 1)) throw new IllegalArgumentException("a relative quality bar must be in (0, 1], got " + b);
        this.absolute = absolute.stream().mapToDouble(Double::doubleValue).distinct().sorted().toArray();
        this.relative = relative.stream().mapToDouble(Double::doubleValue).distinct().sorted().toArray();
    }

    /** The user's bars, or else the default relative ones; plus {@code minQuality} when the study has one. */
    public static FrontGainRanking of(List<Double> userBars, Double minQuality) {
        boolean user = userBars != null && !userBars.isEmpty();
        List<Double> abs = new ArrayList<>(user ? userBars : List.of());
        if (minQuality != null && minQuality > 0 && minQuality <= 1) abs.add(minQuality);
        return new FrontGainRanking(abs, user ? List.of() : DEFAULT_BARS, minQuality != null);
    }

    /**
     * Whether a candidate with these figures is ranked: measured, and meeting every constraint of the study but its
     * minimum quality, the one distillation may mend (jMetal's form: one value per constraint, negative when broken,
     * the minimum quality last; see {@code Constraints.values}).
     */
    public boolean considers(double[] objectives, double[] constraints) {
        if (!(Double.isFinite(objectives[0]) && Double.isFinite(objectives[1]) && objectives[0] < Double.MAX_VALUE && objectives[1] < Double.MAX_VALUE))
            return false;
        int checked = minQualityConstraint && constraints.length > 0 ? constraints.length - 1 : constraints.length;
        for (int i = 0; i < checked; i++) if (constraints[i] < 0) return false;
        return true;
    }

    /** The bars for a study whose best quality measured is {@code ceiling}, ascending. */
    public double[] bars(double ceiling) {
        java.util.TreeSet<Double> all = new java.util.TreeSet<>();
        for (double b : absolute) all.add(b);
        for (double b : relative) all.add(b * ceiling);
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The bars as a user reads them: absolute values, then relative ones as shares of the best quality measured. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (double b : absolute) parts.add(String.format(Locale.ROOT, "%.4g", b));
        for (double b : relative) parts.add(String.format(Locale.ROOT, "%.0f%% of the best measured", 100 * b));
        return String.join(", ", parts);
    }

    /**
     * {@code seen}'s candidates not yet distilled, those worth distilling first; {@code distilledQuality} gives the
     * best distilled quality of a genome (null when never distilled), {@code int8} whether a genome has int8 layers.
     */
    public List<Scored> rank(List<DistillShareStrategy.Measured> seen, Function<Genome, Double> distilledQuality, Predicate<Genome> int8,
                             List<Recovery> recoveries) {
        double ceiling = seen.stream().mapToDouble(m -> -m.objectives()[1]).max().orElse(Double.NaN);
        if (!Double.isFinite(ceiling)) return List.of();
        BetaDistribution plain = recovered(recoveries, false, ceiling), quantized = recovered(recoveries, true, ceiling);
        double[] bars = bars(ceiling);
        Double[] distilled = new Double[seen.size()]; // one look-up each: the step reads them from the study
        for (int k = 0; k < distilled.length; k++) distilled[k] = distilledQuality.apply(seen.get(k).genome());
        double[] best = new double[bars.length];
        for (int i = 0; i < bars.length; i++) {
            best[i] = Double.POSITIVE_INFINITY;
            for (int k = 0; k < distilled.length; k++) {
                DistillShareStrategy.Measured m = seen.get(k);
                double q = Math.max(-m.objectives()[1], distilled[k] == null ? Double.NEGATIVE_INFINITY : distilled[k]);
                if (q >= bars[i]) best[i] = Math.min(best[i], m.objectives()[0]);
            }
        }
        List<Scored> out = new ArrayList<>();
        java.util.Set<String> scoredKeys = new java.util.HashSet<>();
        for (int k = 0; k < distilled.length; k++) {
            DistillShareStrategy.Measured m = seen.get(k);
            double q = -m.objectives()[1], cost = m.objectives()[0];
            if (!(q < ceiling) || distilled[k] != null || !scoredKeys.add(GenomeJson.write(m.genome()))) continue;
            BetaDistribution share = int8.test(m.genome()) ? quantized : plain;
            double gain = 0, firstBar = Double.NaN, firstNeed = Double.NaN, firstP = Double.NaN;
            for (int i = 0; i < bars.length; i++) {
                if (bars[i] <= q || bars[i] > ceiling || !(cost < best[i])) continue;
                double need = (bars[i] - q) / (ceiling - q);
                double p = 1 - share.cumulativeProbability(need);
                double improvement = Double.isInfinite(best[i]) ? 1 : (best[i] - cost) / best[i];
                gain += p * improvement;
                if (Double.isNaN(firstBar)) {
                    firstBar = bars[i];
                    firstNeed = need;
                    firstP = p;
                }
            }
            if (gain > 0) out.add(new Scored(m, gain, firstBar, firstNeed, firstP));
        }
        out.sort(Comparator.comparingDouble((Scored s) -> -s.gain()).thenComparingDouble(s -> s.measured().objectives()[0])
                .thenComparing(s -> GenomeJson.write(s.measured().genome())));
        return out;
    }

    /** The Beta of the recovered share for one kind: the prior plus each of the study's distillations of that kind. */
    static BetaDistribution recovered(List<Recovery> recoveries, boolean int8, double ceiling) {
        double a = PRIOR_MEAN * PRIOR_WEIGHT, b = (1 - PRIOR_MEAN) * PRIOR_WEIGHT;
        for (Recovery r : recoveries) {
            if (r.int8() != int8 || !(r.before() < ceiling)) continue;
            double f = Math.clamp((r.after() - r.before()) / (ceiling - r.before()), 0, 1);
            a += f;
            b += 1 - f;
        }
        return new BetaDistribution(null, a, b); // no random generator: only the distribution function is used
    }

    /** The mean share of lost quality the study's distillations of this kind recovered, prior included, for the log. */
    public static double expectedShare(List<Recovery> recoveries, boolean int8, double ceiling) {
        return recovered(recoveries, int8, ceiling).getNumericalMean();
    }
}
