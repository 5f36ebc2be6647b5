package dev.lathe.search;

import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.transform.Genome;
import dev.lathe.transform.StructuredPruner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Maps genomes to real vectors for the evolutionary operators: one gene per prunable group (its keep ratio,
 * snapped to whole units), one per quantizable layer (int8 when at least 0.5) and one per removable block
 * (dropped below {@link #DROP_BELOW}).
 */
public final class SearchSpace {
    /** No group is pruned below this keep ratio: beyond it, post-training pruning destroys quality. */
    public static final double MIN_KEEP = 0.25;

    /** A block gene below this drops the block: uniform random genomes then drop about a quarter of the blocks. */
    static final double DROP_BELOW = 0.25;

    private final List<PrunableGroup> groups;
    private final List<QuantizableLayer> layers;
    private final List<RemovableBlock> blocks;

    public SearchSpace(GroupFinder.Result analysis) {
        this.groups = analysis.groups();
        this.layers = analysis.quantizable();
        this.blocks = analysis.blocks();
    }

    public List<PrunableGroup> groups() { return groups; }

    public List<QuantizableLayer> layers() { return layers; }

    public int dimensions() { return groups.size() + layers.size() + blocks.size(); }

    public double lowerBound(int gene) { return gene < groups.size() ? MIN_KEEP : 0.0; }

    public double upperBound(int gene) { return 1.0; }

    public Genome decode(double[] x) {
        TreeMap<String, Double> keep = new TreeMap<>();
        for (int i = 0; i < groups.size(); i++) {
            PrunableGroup g = groups.get(i);
            int kept = StructuredPruner.keptUnits(g, Math.max(MIN_KEEP, Math.min(1.0, x[i])));
            if (kept < g.size()) keep.put(g.id(), (double) kept / g.size());
        }
        TreeSet<String> int8 = new TreeSet<>();
        for (int j = 0; j < layers.size(); j++) if (x[groups.size() + j] >= 0.5) int8.add(layers.get(j).id());
        TreeSet<String> drop = new TreeSet<>();
        int b0 = groups.size() + layers.size();
        for (int j = 0; j < blocks.size(); j++) if (x[b0 + j] < DROP_BELOW) drop.add(blocks.get(j).id());
        return new Genome(keep, int8, drop);
    }

    /** A genome drawn uniformly over the genes' bounds. */
    public Genome random(java.util.Random rnd) {
        double[] x = new double[dimensions()];
        for (int d = 0; d < x.length; d++) x[d] = lowerBound(d) + rnd.nextDouble() * (upperBound(d) - lowerBound(d));
        return decode(x);
    }

    public double[] encode(Genome g) {
        double[] x = new double[dimensions()];
        for (int i = 0; i < groups.size(); i++) x[i] = g.keepRatio(groups.get(i).id());
        for (int j = 0; j < layers.size(); j++) x[groups.size() + j] = g.int8Layers().contains(layers.get(j).id()) ? 0.75 : 0.25;
        int b0 = groups.size() + layers.size();
        for (int j = 0; j < blocks.size(); j++) x[b0 + j] = g.droppedBlocks().contains(blocks.get(j).id()) ? 0.0 : 1.0;
        return x;
    }

    /**
     * Simple configurations that start every search (as whittle does: upper bound, lower bound, midpoint),
     * plus the single-technique corners a user would try by hand.
     */
    public List<Genome> seeds() {
        Set<String> allLayers = new TreeSet<>();
        layers.forEach(l -> allLayers.add(l.id()));
        List<Genome> out = new ArrayList<>();
        out.add(Genome.ORIGINAL);
        if (!allLayers.isEmpty()) out.add(Genome.of(Map.of(), allLayers));
        // One middle block dropped: middle layers tend to matter least ("What Matters in Transformers"; on MiniLM
        // dropping layer 2 keeps cosine 0.94, the last layer only 0.48).
        List<RemovableBlock> layers = blocks.stream().filter(b -> b.id().startsWith("block:")).toList();
        List<RemovableBlock> pool = layers.isEmpty() ? blocks : layers;
        if (!pool.isEmpty()) out.add(Genome.ORIGINAL.withDroppedBlocks(Set.of(pool.get((pool.size() - 1) / 2).id())));
        if (!groups.isEmpty()) {
            out.add(uniform(0.5, Set.of()));
            out.add(uniform(0.75, allLayers));
            out.add(uniform(MIN_KEEP, allLayers));
            out.add(uniform((1 + MIN_KEEP) / 2, Set.of()));
        }
        return out.stream().distinct().toList();
    }

    private Genome uniform(double ratio, Set<String> int8) {
        double[] x = new double[dimensions()];
        for (int i = 0; i < groups.size(); i++) x[i] = ratio;
        Genome g = decode(x);
        return Genome.of(g.keepRatios(), int8);
    }
}
