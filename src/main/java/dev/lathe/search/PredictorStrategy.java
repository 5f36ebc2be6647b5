package dev.lathe.search;

import dev.lathe.search.predictor.BootstrapEnsemble;
import dev.lathe.search.predictor.GaussianProcess;
import dev.lathe.search.predictor.GenomeFeatures;
import dev.lathe.search.predictor.HypervolumeImprovement;
import dev.lathe.search.predictor.ModelSelection;
import dev.lathe.study.PredictorReport;
import dev.lathe.search.predictor.Regressor;
import dev.lathe.search.predictor.RidgeRegression;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.uma.jmetal.solution.doublesolution.DoubleSolution;
import org.uma.jmetal.solution.doublesolution.impl.DefaultDoubleSolution;
import org.uma.jmetal.util.densityestimator.impl.CrowdingDistanceDensityEstimator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Predictor-assisted NSGA-II (after DyNAS-T's LINAS, with its flaws fixed). Each generation it refits, on every
 * finished candidate, a cost predictor (bagged ridge on {@link GenomeFeatures#cost}, target log(cost / the
 * original's), the drift-corrected figures the study tells) and a quality predictor (bagged ridge or a Gaussian
 * process, whichever ranks better by cross-validated Kendall tau), plus a ridge per constraint value. It then runs
 * an inner NSGA-II on the predictions ({@link #INNER_EVALUATIONS} of them, warm-started from everything measured,
 * its seed new each generation) and measures the unseen genomes expected to add the most hypervolume to the
 * measured front, picked greedily so each counts beyond the picks before it ({@link HypervolumeImprovement}: Monte
 * Carlo q-EHVI over each prediction's spread widened by its model's cross-validated error); a
 * {@link #PLAIN_SHARE} of every generation is plain NSGA-II offspring, so a wrong predictor cannot starve the
 * search. Sizes are never predicted: the search ranks only on cost and quality, and a size bound is a constraint
 * value, fitted on weight bytes, to which size is linear.
 *
 * <p>A predictor whose cross-validated tau is below {@link #MIN_TAU} does not steer: its objective gets its prior
 * (the measured mean and spread) for that generation; when both are below it, the generation is plain NSGA-II. The
 * log says which. 0.3: under the null of no ranking skill tau's standard deviation is sqrt(2(2n+5)/(9n(n-1))), 0.20
 * for the 12 candidates of a first generation and 0.14 at 24, so below 0.3 the predictor is not told apart from a
 * random ranking, which makes a surrogate pick at random (mlrMBO #371). The decision and the batch's out-of-sample
 * accuracy go to the report sink each generation. Resuming refits from what the study holds; every random choice
 * derives from the seed and the number of candidates measured, so a replay is deterministic.
 */
public final class PredictorStrategy implements SearchStrategy {
    static final double MIN_TAU = 0.3;
    static final double PLAIN_SHARE = 0.25;
    /** Standard deviations of optimism for the proposals that fill a batch beyond what is expected to improve the front. */
    static final double OPTIMISM = 1.0;
    static final int INNER_EVALUATIONS = 2000;
    static final int BAGS = 16;

    private final SearchSpace space;
    private final int population;
    private final long seed;
    private final Nsga2Strategy plain;
    private final GenomeFeatures features;
    private final Consumer<PredictorReport> reports;
    private final Consumer<String> log;
    private final Map<String, Observation> measured = new LinkedHashMap<>();
    private final Set<Genome> measuredGenomes = new HashSet<>();
    /** What was predicted for the genomes of the last proposed batch: absolute cost and quality. */
    private final Map<String, double[]> predicted = new LinkedHashMap<>();
    private final List<double[]> scored = new ArrayList<>();

    private record Observation(Genome genome, double[] objectives, double[] constraints) {
        boolean failed() { return objectives[0] >= Double.MAX_VALUE || objectives[1] >= Double.MAX_VALUE; }
    }

    /** A genome the inner search evaluated on predictions: cost as log ratio, quality, their spreads, constraints. */
    private record Proposal(Genome genome, double cost, double costSd, double quality, double qualitySd, double[] constraints) {}

    public PredictorStrategy(SearchSpace space, int population, long seed, Consumer<PredictorReport> reports, Consumer<String> log) {
        this.space = space;
        this.population = population;
        this.seed = seed;
        this.plain = new Nsga2Strategy(space, population, seed);
        this.features = new GenomeFeatures(space);
        this.reports = reports;
        this.log = log;
    }

    public PredictorStrategy(SearchSpace space, int population, long seed) {
        this(space, population, seed, r -> {}, m -> {});
    }

    @Override
    public String id() { return "predictor"; }

    @Override
    public void tell(Genome genome, double[] objectives, double[] constraints) {
        String key = GenomeJson.write(genome);
        plain.tell(genome, objectives, constraints);
        if (measured.containsKey(key)) return;
        Observation o = new Observation(genome, objectives.clone(), constraints.clone());
        measured.put(key, o);
        measuredGenomes.add(genome);
        double[] p = predicted.remove(key);
        if (p != null && !o.failed()) scored.add(new double[] {p[0], objectives[0], p[1], -objectives[1]});
    }

    @Override
    public List<Genome> ask(int count) {
        List<Observation> ok = measured.values().stream().filter(o -> !o.failed()).toList();
        double[] batch = batchScores();
        predicted.clear();
        long round = seed * 1_000_003L + measured.size();
        if (ok.size() < Math.max(10, population) || count < 1) {
            report(ok.size(), "warm-up", null, null, batch, 0);
            return plain.ask(count);
        }
        double base = baseCost(ok);
        double[][] xc = ok.stream().map(o -> features.cost(o.genome())).toArray(double[][]::new);
        double[][] xq = ok.stream().map(o -> features.quality(o.genome())).toArray(double[][]::new);
        double[] yc = ok.stream().mapToDouble(o -> Math.log(o.objectives()[0] / base)).toArray();
        double[] yq = ok.stream().mapToDouble(o -> -o.objectives()[1]).toArray();
        var cost = ModelSelection.best(List.of(new BootstrapEnsemble(BAGS, round)), xc, yc, round);
        var quality = ModelSelection.best(List.<Regressor>of(new BootstrapEnsemble(BAGS, round + 1), new GaussianProcess()), xq, yq, round + 1);
        if (cost.cvTau() < MIN_TAU && quality.cvTau() < MIN_TAU) {
            log.accept(String.format("Predictor: cross-validated tau cost %.2f, quality %.2f below %.2f: plain NSGA-II this generation",
                    cost.cvTau(), quality.cvTau(), MIN_TAU));
            report(ok.size(), "fallback", cost, quality, batch, 0);
            return plain.ask(count);
        }
        // A model not told apart from a random ranking does not steer: its objective gets the prior (the measured
        // mean and spread), so the other objective and the uncertainty choose.
        boolean costBlind = cost.cvTau() < MIN_TAU, qualityBlind = quality.cvTau() < MIN_TAU;
        if (costBlind || qualityBlind)
            log.accept(String.format("Predictor: cross-validated tau of %s %.2f below %.2f: its prior stands in for it this generation",
                    costBlind ? "cost" : "quality", costBlind ? cost.cvTau() : quality.cvTau(), MIN_TAU));
        Regressor.Fitted costFit = costBlind ? prior(yc) : cost.fitted(), qualityFit = qualityBlind ? prior(yq) : quality.fitted();
        List<Regressor.Fitted> constraintFits = constraintModels(ok);
        Map<Genome, Proposal> proposals = innerSearch(round, base, costFit, qualityFit, constraintFits);
        int plainCount = count < 2 ? 0 : Math.max(1, (int) Math.round(count * PLAIN_SHARE));
        List<Genome> out = new ArrayList<>();
        for (Proposal p : bestByImprovement(ok, base, proposals, count - plainCount, costBlind ? 0 : cost.cvRmse(), qualityBlind ? 0 : quality.cvRmse(), round)) {
            out.add(p.genome());
            predicted.put(GenomeJson.write(p.genome()), new double[] {base * Math.exp(p.cost()), p.quality()});
        }
        Set<String> taken = new HashSet<>(predicted.keySet());
        for (Genome g : plain.ask(count - out.size() + plainCount))
            if (out.size() < count && taken.add(GenomeJson.write(g))) out.add(g);
        report(ok.size(), "predicted", cost, quality, batch, proposals.size());
        log.accept("Predictor: " + out.size() + " proposed, " + (out.size() - predicted.size()) + " of them plain NSGA-II offspring");
        return out;
    }

    /** The genomes of the last batch that the predictions chose (not the plain offspring), for diagnosis. */
    Set<String> predictedKeys() { return new HashSet<>(predicted.keySet()); }

    /** What is known of an objective without a model: the mean and the spread of what was measured, for every genome. */
    private static Regressor.Fitted prior(double[] y) {
        double mean = java.util.Arrays.stream(y).average().orElse(0);
        double sd = Math.sqrt(java.util.Arrays.stream(y).map(v -> (v - mean) * (v - mean)).sum() / Math.max(1, y.length - 1));
        return new Regressor.Fitted() {
            @Override
            public double mean(double[] x) { return mean; }

            @Override
            public double sd(double[] x) { return sd; }
        };
    }

    /** The original's cost where it was measured, else the cheapest measured: the log ratio's base. */
    private static double baseCost(List<Observation> ok) {
        return ok.stream().filter(o -> o.genome().isOriginal()).mapToDouble(o -> o.objectives()[0]).findFirst()
                .orElse(ok.stream().mapToDouble(o -> o.objectives()[0]).min().orElse(1));
    }

    private List<Regressor.Fitted> constraintModels(List<Observation> ok) {
        int n = ok.isEmpty() ? 0 : ok.get(0).constraints().length;
        List<Regressor.Fitted> out = new ArrayList<>();
        double[][] x = ok.stream().map(o -> features.both(o.genome())).toArray(double[][]::new);
        for (int d = 0; d < n; d++) {
            int dim = d;
            out.add(new RidgeRegression().fit(x, ok.stream().mapToDouble(o -> o.constraints()[dim]).toArray()));
        }
        return out;
    }

    /** NSGA-II on predictions, warm-started from every measured genome; returns what it evaluated that was never measured. */
    private Map<Genome, Proposal> innerSearch(long round, double base, Regressor.Fitted cost, Regressor.Fitted quality, List<Regressor.Fitted> constraints) {
        int size = Math.max(2 * population, 24);
        Nsga2Strategy inner = new Nsga2Strategy(space, size, round);
        for (Observation o : measured.values()) {
            double[] obj = o.failed() ? o.objectives() : new double[] {Math.log(o.objectives()[0] / base), o.objectives()[1]};
            inner.tell(o.genome(), obj, o.constraints());
        }
        Map<Genome, Proposal> out = new LinkedHashMap<>();
        while (out.size() < INNER_EVALUATIONS) {
            List<Genome> batch = inner.ask(size);
            if (batch.isEmpty()) break;
            for (Genome g : batch) {
                if (measuredGenomes.contains(g)) continue;
                double[] xc = features.cost(g), xq = features.quality(g), xb = features.both(g);
                double[] cv = new double[constraints.size()];
                for (int d = 0; d < cv.length; d++) cv[d] = constraints.get(d).mean(xb);
                Proposal p = new Proposal(g, cost.mean(xc), cost.sd(xc), quality.mean(xq), quality.sd(xq), cv);
                out.put(g, p);
                inner.tell(g, new double[] {p.cost(), -p.quality()}, cv);
            }
            inner.keepSurvivorsOnly();
        }
        return out;
    }

    /**
     * The {@code n} proposals that add the most expected hypervolume to the measured front, picked greedily so that
     * each counts only beyond the front and the picks before it ({@link HypervolumeImprovement}); each prediction's
     * spread is its model's spread at that genome together with the model's cross-validated error, so a model that
     * ranks badly explores more widely. Only proposals predicted feasible are candidates. When fewer than {@code n}
     * are expected to add anything, the rest are the best under the optimistic bound.
     */
    private List<Proposal> bestByImprovement(List<Observation> ok, double base, Map<Genome, Proposal> proposals, int n, double costError,
                                             double qualityError, long round) {
        List<double[]> front = new ArrayList<>();
        for (Observation o : ok)
            if (feasible(o.constraints())) front.add(new double[] {Math.min(1, o.objectives()[0] / base), Math.max(0, Math.min(1, 1 + o.objectives()[1]))});
        List<Proposal> candidates = proposals.values().stream().filter(p -> feasible(p.constraints())).toList();
        List<HypervolumeImprovement.Prediction> predictions = candidates.stream().map(p -> new HypervolumeImprovement.Prediction(p.cost(),
                Math.hypot(p.costSd(), costError), p.quality(), Math.hypot(p.qualitySd(), qualityError))).toList();
        List<Proposal> out = new ArrayList<>();
        for (int i : HypervolumeImprovement.select(front, predictions, n, round + 2)) out.add(candidates.get(i));
        if (out.size() < n) {
            Set<Genome> chosen = new HashSet<>();
            for (Proposal p : out) chosen.add(p.genome());
            for (Proposal p : optimisticBest(proposals, proposals.size())) if (out.size() < n && chosen.add(p.genome())) out.add(p);
        }
        return out;
    }

    private static boolean feasible(double[] constraints) {
        for (double c : constraints) if (c < 0) return false;
        return true;
    }

    /**
     * The {@code n} proposals best under the optimistic bound, by Deb's rule: feasible ones first, peeled front by
     * front (two objectives: a sort and a sweep, not jMetal's quadratic ranking over thousands), the least crowded
     * first within a front; then infeasible ones, the smallest overall violation first.
     */
    private static List<Proposal> optimisticBest(Map<Genome, Proposal> proposals, int n) {
        List<DoubleSolution> feasible = new ArrayList<>(), infeasible = new ArrayList<>();
        Map<DoubleSolution, Proposal> of = new java.util.IdentityHashMap<>();
        for (Proposal p : proposals.values()) {
            DefaultDoubleSolution s = new DefaultDoubleSolution(List.of(), 2, p.constraints().length);
            s.objectives()[0] = p.cost() - OPTIMISM * p.costSd();
            s.objectives()[1] = -(p.quality() + OPTIMISM * p.qualitySd());
            for (int d = 0; d < p.constraints().length; d++) s.constraints()[d] = p.constraints()[d];
            (violation(s) < 0 ? infeasible : feasible).add(s);
            of.put(s, p);
        }
        List<Proposal> out = new ArrayList<>();
        var crowding = new CrowdingDistanceDensityEstimator<DoubleSolution>();
        feasible.sort(java.util.Comparator.<DoubleSolution>comparingDouble(s -> s.objectives()[0]).thenComparingDouble(s -> s.objectives()[1]));
        while (out.size() < n && !feasible.isEmpty()) {
            List<DoubleSolution> front = new ArrayList<>(), rest = new ArrayList<>();
            double best = Double.POSITIVE_INFINITY;
            for (DoubleSolution s : feasible)
                if (s.objectives()[1] < best) {
                    front.add(s);
                    best = s.objectives()[1];
                } else rest.add(s);
            crowding.compute(front);
            front.sort(crowding.comparator());
            for (DoubleSolution s : front) if (out.size() < n) out.add(of.get(s));
            feasible = rest;
        }
        infeasible.sort(java.util.Comparator.comparingDouble(s -> -violation(s)));
        for (DoubleSolution s : infeasible) if (out.size() < n) out.add(of.get(s));
        return out;
    }

    /** jMetal's overall constraint violation: the sum of the unmet constraints' (negative) values. */
    private static double violation(DoubleSolution s) {
        double v = 0;
        for (double c : s.constraints()) if (c < 0) v += c;
        return v;
    }

    /** Out-of-sample tau and mean error of the last batch's predictions, now measured: {size, tauC, tauQ, errC, errQ}. */
    private double[] batchScores() {
        if (scored.isEmpty()) return null;
        double[] pc = scored.stream().mapToDouble(s -> s[0]).toArray(), ac = scored.stream().mapToDouble(s -> s[1]).toArray();
        double[] pq = scored.stream().mapToDouble(s -> s[2]).toArray(), aq = scored.stream().mapToDouble(s -> s[3]).toArray();
        double ec = 0, eq = 0;
        for (int i = 0; i < pc.length; i++) {
            ec += Math.abs(Math.log(pc[i] / ac[i])) / pc.length;
            eq += Math.abs(pq[i] - aq[i]) / pq.length;
        }
        double[] out = {scored.size(), ModelSelection.tau(pc, ac), ModelSelection.tau(pq, aq), ec, eq};
        scored.clear();
        return out;
    }

    private void report(int n, String mode, ModelSelection.Choice cost, ModelSelection.Choice quality, double[] batch, int evaluations) {
        boolean b = batch != null && batch[0] >= 2;
        PredictorReport r = new PredictorReport(n, mode, quality == null ? null : quality.model(), cost == null ? null : cost.cvTau(),
                quality == null ? null : quality.cvTau(), batch == null ? 0 : (int) batch[0], b ? batch[1] : null, b ? batch[2] : null,
                batch == null ? null : batch[3], batch == null ? null : batch[4], evaluations);
        reports.accept(r);
        if (!mode.equals("warm-up")) log.accept("Predictor " + r.describe());
    }
}
