package dev.lathe.search.predictor;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.search.SearchSpace;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the predictors see of a genome, from the analysis and not from building it, cached per genome.
 *
 * <p>Cost features (latency or peak memory): per operator type and precision, the weights the genome keeps
 * (millions) and their bytes; per layer, the share of its weights kept; the counts of Quantize/DequantizeLinear
 * pairs (int8 static) and of dynamically quantized activations (int8); each block's drop; each group's keep ratio
 * (attention work that has no weight, softmax and the score products, scales with the heads kept). A layer's
 * MACs are its weights times the positions it is applied at, fixed per layer, so the per-layer kept shares let
 * the regression learn each layer's weight in the total without a probing run.
 *
 * <p>Quality features: the genes, each group's pruned share, and for each layer the sensitivity score of its
 * precision drop when it is quantized (plus their sum).
 */
public final class GenomeFeatures {
    private static final String FLOAT = "fp32";
    private final SearchSpace space;
    private final List<String> buckets = new ArrayList<>();
    /** Per layer: the groups that cut its weight, with the share of the weight's axis each cuts. */
    private final List<Map<Integer, Double>> cuts = new ArrayList<>();
    /** Keyed by the genome itself (a value record): its JSON would cost more than the features. */
    private final Map<Genome, double[]> costCache = new HashMap<>();
    private final Map<Genome, double[]> qualityCache = new HashMap<>();

    public GenomeFeatures(SearchSpace space) {
        this.space = space;
        LinkedHashMap<String, Boolean> seen = new LinkedHashMap<>();
        for (QuantizableLayer l : space.layers()) {
            seen.put(l.opType() + "/" + FLOAT, true);
            for (Precision p : space.offered(l)) seen.put(l.opType() + "/" + p.id(), true);
        }
        buckets.addAll(seen.keySet());
        for (QuantizableLayer l : space.layers()) {
            Map<Integer, Double> byGroup = new LinkedHashMap<>();
            for (int gi = 0; gi < space.groups().size(); gi++) {
                PrunableGroup g = space.groups().get(gi);
                long slices = g.slices().stream().filter(s -> s.initializer().equals(l.weight())).count();
                if (slices == 0) continue;
                // Slices at offset 0 or several (a fused projection's three) span the axis; a lone slice past a Concat about half of it.
                boolean spans = slices > 1 || g.slices().stream().anyMatch(s -> s.initializer().equals(l.weight()) && s.offset() == 0);
                byGroup.put(gi, spans ? 1.0 : 0.5);
            }
            cuts.add(byGroup);
        }
    }

    public double[] cost(Genome g) {
        return costCache.computeIfAbsent(g, this::computeCost);
    }

    public double[] quality(Genome g) {
        return qualityCache.computeIfAbsent(g, this::computeQuality);
    }

    /** Both sets side by side (for constraint values, which may follow either). */
    public double[] both(Genome g) {
        double[] c = cost(g), q = quality(g);
        double[] out = new double[c.length + q.length];
        System.arraycopy(c, 0, out, 0, c.length);
        System.arraycopy(q, 0, out, c.length, q.length);
        return out;
    }

    private double keptShare(Genome g, int layer) {
        double share = 1;
        for (var cut : cuts.get(layer).entrySet()) {
            double keep = g.keepRatio(space.groups().get(cut.getKey()).id());
            share *= 1 - (1 - keep) * cut.getValue();
        }
        return share;
    }

    private double[] computeCost(Genome g) {
        List<QuantizableLayer> layers = space.layers();
        double[] weights = new double[buckets.size()], bytes = new double[buckets.size()];
        double[] perLayer = new double[layers.size()];
        double qdq = 0, dynamic = 0;
        for (int j = 0; j < layers.size(); j++) {
            QuantizableLayer l = layers.get(j);
            Precision p = g.precision(l.id());
            if (p != null && !space.offered(l).contains(p)) p = null;
            perLayer[j] = keptShare(g, j);
            double kept = perLayer[j] * l.k() * l.n() / 1e6;
            int b = buckets.indexOf(l.opType() + "/" + (p == null ? FLOAT : p.id()));
            weights[b] += kept;
            bytes[b] += kept * bytesPerWeight(p);
            if (p == Precision.INT8_STATIC) qdq++;
            if (p == Precision.INT8) dynamic++;
        }
        List<RemovableBlock> blocks = space.blocks();
        double[] dropped = new double[blocks.size()];
        for (int j = 0; j < blocks.size(); j++) dropped[j] = g.droppedBlocks().contains(blocks.get(j).id()) ? 1 : 0;
        double[] keep = new double[space.groups().size()];
        for (int i = 0; i < keep.length; i++) keep[i] = g.keepRatio(space.groups().get(i).id());
        return concat(weights, bytes, perLayer, new double[] {qdq, dynamic}, dropped, keep);
    }

    private double[] computeQuality(Genome g) {
        double[] genes = space.encode(g);
        double[] pruned = new double[space.groups().size()];
        for (int i = 0; i < pruned.length; i++) pruned[i] = 1 - g.keepRatio(space.groups().get(i).id());
        List<QuantizableLayer> layers = space.layers();
        double[] sensitive = new double[layers.size()];
        double total = 0;
        for (int j = 0; j < layers.size(); j++) {
            Precision p = g.precision(layers.get(j).id());
            if (p == null) continue;
            sensitive[j] = space.sensitivity().getOrDefault(layers.get(j).id(), 0.0) + 1e-3; // a quantized layer counts even without a score
            total += sensitive[j];
        }
        return concat(genes, pruned, sensitive, new double[] {total});
    }

    static double bytesPerWeight(Precision p) {
        if (p == null) return 4;
        return switch (p) {
            case INT8, INT8_STATIC -> 1;
            case INT4_B32, INT4_B64, INT4_B128 -> 0.5;
            case FP16 -> 2;
        };
    }

    private static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) n += p.length;
        double[] out = new double[n];
        int k = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }
}
