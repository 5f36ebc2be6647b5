package dev.lathe.search;

import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.KeepRanges;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.pruning.StructuredPruner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps genomes to real vectors for the evolutionary operators: one gene per prunable group, one per layer that
 * has a precision to choose (see below) and one per removable block (dropped below {@link #DROP_BELOW}, never
 * for a block the {@link KeepRanges} keep). Every gene lies in [0, 1]. A group's gene maps linearly onto its
 * keep range ({@link KeepRanges#rangeFor}): 0 is the range's minimum, 1 its maximum; the kept units are then
 * snapped to whole units (see {@link #keptUnits}) and stay inside the range.
 *
 * <p>A precision gene in [0, 1] is float32 below the layer's threshold and otherwise one of the offered
 * precisions, the rest of the interval split evenly between them. Without sensitivity figures every threshold
 * is 0.5 (the old int8 gene). With them, the threshold rises with the layer's rank in sensitivity, from
 * {@link #LEAST_SENSITIVE_THRESHOLD} for the layer whose quantization hurt least to
 * {@link #MOST_SENSITIVE_THRESHOLD} for the one that hurt most: random genomes quantize robust layers more
 * often, and since polynomial mutation moves a gene by a small step, mutation rarely pushes a sensitive layer
 * into a reduced precision (and readily pulls it back out).
 */
public final class SearchSpace {
    /** No group is pruned below this keep ratio: beyond it, post-training pruning destroys quality. */
    public static final double MIN_KEEP = KeepRanges.MIN_KEEP;

    /** A block gene below this drops the block: uniform random genomes then drop about a quarter of the blocks. */
    static final double DROP_BELOW = 0.25;

    static final double LEAST_SENSITIVE_THRESHOLD = 0.3;
    static final double MOST_SENSITIVE_THRESHOLD = 0.9;

    private final List<PrunableGroup> groups;
    private final List<QuantizableLayer> layers;
    private final List<List<Precision>> offered;
    private final double[] thresholds;
    private final Map<String, Double> sensitivity;
    private final List<RemovableBlock> blocks;
    private final KeepRanges keepRanges;
    private final KeepRanges.Range[] ranges;

    public SearchSpace(GroupFinder.Result analysis) {
        this(analysis, PrecisionChoices.DEFAULT, Map.of());
    }

    public SearchSpace(GroupFinder.Result analysis, PrecisionChoices choices, Map<String, Double> sensitivity) {
        this(analysis, choices, sensitivity, KeepRanges.DEFAULT);
    }

    /**
     * @param sensitivity quality drop when the layer alone is quantized (see {@link SensitivityAnalysis}); layers
     *                    missing from it get the neutral threshold
     */
    public SearchSpace(GroupFinder.Result analysis, PrecisionChoices choices, Map<String, Double> sensitivity, KeepRanges keepRanges) {
        keepRanges.requireKnown(analysis);
        this.keepRanges = keepRanges;
        this.groups = analysis.groups();
        this.ranges = groups.stream().map(keepRanges::rangeFor).toArray(KeepRanges.Range[]::new);
        this.layers = analysis.quantizable().stream().filter(l -> !choices.forLayer(l).isEmpty()).toList();
        this.offered = layers.stream().map(choices::forLayer).toList();
        this.blocks = analysis.blocks();
        this.sensitivity = Map.copyOf(sensitivity);
        this.thresholds = new double[layers.size()];
        java.util.Arrays.fill(thresholds, 0.5);
        List<QuantizableLayer> ranked = layers.stream().filter(l -> sensitivity.containsKey(l.id()))
                .sorted(Comparator.comparingDouble((QuantizableLayer l) -> sensitivity.get(l.id())).thenComparing(QuantizableLayer::id)).toList();
        for (int r = 0; r < ranked.size(); r++) {
            double share = ranked.size() == 1 ? 0.5 : (double) r / (ranked.size() - 1);
            thresholds[layers.indexOf(ranked.get(r))] = LEAST_SENSITIVE_THRESHOLD + share * (MOST_SENSITIVE_THRESHOLD - LEAST_SENSITIVE_THRESHOLD);
        }
    }

    public List<PrunableGroup> groups() { return groups; }

    /** The removable blocks, each with a gene (a block the ranges keep never drops). */
    public List<RemovableBlock> blocks() { return blocks; }

    /** The keep range {@code group} searches in. */
    public KeepRanges.Range range(PrunableGroup group) { return ranges[groups.indexOf(group)]; }

    /** The layers with a precision gene, in graph order. */
    public List<QuantizableLayer> layers() { return layers; }

    public List<Precision> offered(QuantizableLayer layer) { return offered.get(layers.indexOf(layer)); }

    /** The gene value below which a layer stays float32. */
    double threshold(int layer) { return thresholds[layer]; }

    public int dimensions() { return groups.size() + layers.size() + blocks.size(); }

    public double lowerBound(int gene) { return 0.0; }

    public double upperBound(int gene) { return 1.0; }

    public Genome decode(double[] x) {
        TreeMap<String, Double> keep = new TreeMap<>();
        for (int i = 0; i < groups.size(); i++) {
            PrunableGroup g = groups.get(i);
            KeepRanges.Range r = ranges[i];
            double gene = Math.max(0, Math.min(1, x[i]));
            int kept = keptUnits(g, r, r.min() + gene * (r.max() - r.min()));
            if (kept < g.size()) keep.put(g.id(), (double) kept / g.size());
        }
        TreeMap<String, Precision> precisions = new TreeMap<>();
        for (int j = 0; j < layers.size(); j++) {
            Precision p = precisionOf(j, x[groups.size() + j]);
            if (p != null) precisions.put(layers.get(j).id(), p);
        }
        java.util.TreeSet<String> drop = new java.util.TreeSet<>();
        int b0 = groups.size() + layers.size();
        for (int j = 0; j < blocks.size(); j++) if (x[b0 + j] < DROP_BELOW && !keepRanges.keeps(blocks.get(j))) drop.add(blocks.get(j).id());
        return new Genome(keep, precisions, drop);
    }

    /**
     * The units to keep for {@code ratio}, rounded as the pruner rounds ({@link StructuredPruner#keptUnits}) and
     * kept inside {@code range}: of the counts the pruner can produce, the one in the range nearest the rounded
     * count. A range narrower than the group's granularity gets the count nearest to it.
     */
    static int keptUnits(PrunableGroup g, KeepRanges.Range range, double ratio) {
        int size = g.size();
        int k = StructuredPruner.keptUnits(g, ratio);
        int lo = Math.max(1, (int) Math.ceil(range.min() * size - 1e-9));
        int hi = Math.min(size, (int) Math.floor(range.max() * size + 1e-9));
        if (k >= lo && k <= hi) return k;
        int best = -1;
        double bestDistance = Double.MAX_VALUE;
        for (int c = 1; c <= size; c++) {
            if (StructuredPruner.keptUnits(g, (double) c / size) != c) continue; // not a count the pruner produces
            double distance = c < lo ? lo - c + size : c > hi ? c - hi + size : Math.abs(c - k);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = c;
            }
        }
        return best;
    }

    /** The gene that decodes to {@code ratio} in group {@code i}'s range (clamped to it). */
    private double geneFor(int i, double ratio) {
        KeepRanges.Range r = ranges[i];
        if (r.max() <= r.min()) return 0.5;
        return Math.max(0, Math.min(1, (ratio - r.min()) / (r.max() - r.min())));
    }

    private Precision precisionOf(int layer, double gene) {
        double t = thresholds[layer];
        if (gene < t) return null;
        List<Precision> choices = offered.get(layer);
        int k = (int) ((gene - t) / (1 - t) * choices.size());
        return choices.get(Math.min(k, choices.size() - 1));
    }

    /** A genome drawn uniformly over the genes' bounds. */
    public Genome random(java.util.Random rnd) {
        double[] x = new double[dimensions()];
        for (int d = 0; d < x.length; d++) x[d] = lowerBound(d) + rnd.nextDouble() * (upperBound(d) - lowerBound(d));
        return decode(x);
    }

    /** Genes that decode to the genome; a precision the space does not offer a layer reads as float32. */
    public double[] encode(Genome g) {
        double[] x = new double[dimensions()];
        for (int i = 0; i < groups.size(); i++) x[i] = geneFor(i, g.keepRatio(groups.get(i).id()));
        for (int j = 0; j < layers.size(); j++) {
            double t = thresholds[j];
            List<Precision> choices = offered.get(j);
            Precision p = g.precision(layers.get(j).id());
            int k = p == null ? -1 : choices.indexOf(p);
            x[groups.size() + j] = k < 0 ? t / 2 : t + (1 - t) * (k + 0.5) / choices.size();
        }
        int b0 = groups.size() + layers.size();
        for (int j = 0; j < blocks.size(); j++) x[b0 + j] = g.droppedBlocks().contains(blocks.get(j).id()) ? 0.0 : 1.0;
        return x;
    }

    /** {@code g} moved into the space: keep ratios into their ranges, kept blocks back in. */
    public Genome within(Genome g) {
        return decode(encode(g));
    }

    /**
     * Simple configurations that start every search (as whittle does: upper bound, lower bound, midpoint),
     * plus the single-technique corners a user would try by hand: every layer at each offered precision, and,
     * with sensitivity figures, every layer at its first precision except those that cost most quality per
     * weight ({@link #sparingSensitive}). The original always comes first, as the baseline, whatever the keep
     * ranges; every other seed is moved into them ({@link #within}).
     */
    public List<Genome> seeds() {
        Map<String, Precision> first = new TreeMap<>();
        for (int j = 0; j < layers.size(); j++) first.put(layers.get(j).id(), offered.get(j).get(0));
        List<Genome> out = new ArrayList<>();
        out.add(Genome.ORIGINAL);
        if (!first.isEmpty()) out.add(Genome.withPrecisions(Map.of(), first));
        for (Map<String, Precision> spared : sparingSensitive(first)) out.add(Genome.withPrecisions(Map.of(), spared));
        for (Precision p : Precision.values()) {
            Map<String, Precision> all = new TreeMap<>();
            for (int j = 0; j < layers.size(); j++) if (offered.get(j).contains(p)) all.put(layers.get(j).id(), p);
            if (!all.isEmpty() && !all.equals(first)) out.add(Genome.withPrecisions(Map.of(), all));
        }
        // One middle block dropped: middle layers tend to matter least ("What Matters in Transformers"; on MiniLM
        // dropping layer 2 keeps cosine 0.94, the last layer only 0.48).
        List<RemovableBlock> transformerLayers = blocks.stream().filter(b -> b.id().startsWith("block:")).toList();
        List<RemovableBlock> pool = (transformerLayers.isEmpty() ? blocks : transformerLayers).stream().filter(b -> !keepRanges.keeps(b)).toList();
        if (!pool.isEmpty()) out.add(Genome.ORIGINAL.withDroppedBlocks(Set.of(pool.get((pool.size() - 1) / 2).id())));
        if (!groups.isEmpty()) {
            out.add(uniform(0.5, Map.of()));
            out.add(uniform(0.75, first));
            out.add(uniform(MIN_KEEP, first));
            out.add(uniform((1 + MIN_KEEP) / 2, Map.of()));
        }
        List<Genome> inside = new ArrayList<>();
        inside.add(Genome.ORIGINAL);
        for (Genome g : out) inside.add(within(g));
        return inside.stream().distinct().toList();
    }

    /**
     * {@code all} with the layers that cost most quality per weight kept in float32: ranked by quality drop per
     * weight (a proxy for the time their quantization saves), the first layer alone, then as many as fit in 5%
     * and in 15% of all weights. On MiniLM the first alone (layer 0's attention output, 1.4% of the weights)
     * raises the cosine of all-int8 from 0.9919 to 0.9932 at no measurable cost in time.
     */
    private List<Map<String, Precision>> sparingSensitive(Map<String, Precision> all) {
        List<QuantizableLayer> densest = layers.stream().filter(l -> sensitivity.getOrDefault(l.id(), 0.0) > 0)
                .sorted(Comparator.comparingDouble((QuantizableLayer l) -> -sensitivity.get(l.id()) / weights(l)).thenComparing(QuantizableLayer::id)).toList();
        double total = layers.stream().mapToDouble(SearchSpace::weights).sum();
        List<Map<String, Precision>> out = new ArrayList<>();
        if (densest.size() < 2) return out;
        for (double share : new double[] {0, 0.05, 0.15}) {
            Map<String, Precision> m = new TreeMap<>(all);
            double spared = 0;
            for (int i = 0; i < densest.size() - 1; i++) {
                QuantizableLayer l = densest.get(i);
                if (i > 0 && spared + weights(l) > share * total) break;
                spared += weights(l);
                m.remove(l.id());
            }
            out.add(m);
        }
        return out;
    }

    private static double weights(QuantizableLayer l) {
        return (double) l.k() * l.n();
    }

    private Genome uniform(double ratio, Map<String, Precision> precisions) {
        double[] x = new double[dimensions()];
        for (int i = 0; i < groups.size(); i++) x[i] = geneFor(i, ratio);
        Genome g = decode(x);
        return Genome.withPrecisions(g.keepRatios(), precisions);
    }
}
