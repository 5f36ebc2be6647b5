package dev.lathe.bench;

import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.search.SearchSpace;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The genomes of a discretized space: every group's keep ratio at the space's levels, every layer at float32 or one
 * of its offered precisions, every block kept or dropped. Genes are built so that {@link SearchSpace#decode} yields
 * the grid point, so the strategies (which decode with the same levels) land on exactly these genomes.
 */
public final class TabularGrid {
    private final SearchSpace space;
    /** Per gene: the values it takes on the grid. */
    private final List<double[]> values = new ArrayList<>();

    public TabularGrid(SearchSpace space) {
        if (space.levels() < 2) throw new IllegalArgumentException("a tabular grid needs a space with levels");
        this.space = space;
        int k = space.levels();
        for (int i = 0; i < space.groups().size(); i++) {
            var range = space.range(space.groups().get(i));
            if (range.max() <= range.min()) { // a group kept at one ratio has one level
                values.add(new double[] {1});
                continue;
            }
            double[] v = new double[k];
            for (int l = 0; l < k; l++) v[l] = (double) l / (k - 1);
            values.add(v);
        }
        int g = space.groups().size();
        for (int j = 0; j < space.layers().size(); j++) {
            QuantizableLayer layer = space.layers().get(j);
            List<Precision> offered = space.offered(layer);
            double[] v = new double[offered.size() + 1];
            v[0] = space.encode(Genome.ORIGINAL)[g + j];
            for (int o = 0; o < offered.size(); o++) v[o + 1] = space.encode(Genome.withPrecisions(Map.of(), Map.of(layer.id(), offered.get(o))))[g + j];
            values.add(v);
        }
        for (int b = 0; b < space.blocks().size(); b++) values.add(new double[] {1, 0});
    }

    /** How many grid points there are (genomes may coincide where the pruner rounds two levels to one unit count). */
    public double size() {
        double n = 1;
        for (int d = 0; d < values.size(); d++) if (matters(d)) n *= values.get(d).length;
        return n;
    }

    /**
     * Whether gene {@code d} changes the genome: a block the user keeps (--keep-block) still has a gene, which
     * decoding ignores, so it must not multiply the grid's size. (Its values stay in the sampling so that a table
     * started before this check resumes with the same genomes.)
     */
    private boolean matters(int d) {
        if (values.get(d).length < 2) return false;
        int[] idx = new int[values.size()];
        Genome first = decode(idx);
        for (int l = 1; l < values.get(d).length; l++) {
            idx[d] = l;
            if (!decode(idx).equals(first)) return true;
        }
        return false;
    }

    /**
     * Every grid genome when there are at most {@code sample}, else {@code sample} drawn at random plus the corners
     * (every keep ratio at its lowest or highest level, every layer float32 or at each offered precision's slot);
     * the original first, the rest in a random order, so that slow drift of the machine spreads over the table.
     */
    public List<Genome> genomes(int sample, long seed) {
        Random rnd = new Random(seed);
        Set<Genome> out = new LinkedHashSet<>();
        out.add(Genome.ORIGINAL);
        if (size() <= sample) {
            int[] idx = new int[values.size()];
            while (true) {
                out.add(decode(idx));
                int d = 0;
                while (d < idx.length && ++idx[d] == values.get(d).length) idx[d++] = 0;
                if (d == idx.length) break;
            }
        } else {
            int widest = values.stream().skip(space.groups().size()).limit(space.layers().size()).mapToInt(v -> v.length).max().orElse(1);
            // a group held at one ratio (--keep-range K=1:1) has a single level, which is both its corners
            for (int keep : new int[] {0, space.levels() - 1})
                for (int p = 0; p < widest; p++) {
                    int[] idx = new int[values.size()];
                    for (int d = 0; d < idx.length; d++)
                        idx[d] = d < space.groups().size() ? Math.min(keep, values.get(d).length - 1) : d < space.groups().size() + space.layers().size() ? Math.min(p, values.get(d).length - 1) : 0;
                    out.add(decode(idx));
                }
            int target = out.size() + sample;
            for (int attempt = 0; out.size() < target && attempt < 50 * sample; attempt++) {
                int[] idx = new int[values.size()];
                for (int d = 0; d < idx.length; d++) idx[d] = rnd.nextInt(values.get(d).length);
                out.add(decode(idx));
            }
        }
        List<Genome> rest = new ArrayList<>(out);
        rest.removeFirst();
        Collections.shuffle(rest, rnd);
        rest.addFirst(Genome.ORIGINAL);
        return rest;
    }

    private Genome decode(int[] idx) {
        double[] x = new double[idx.length];
        for (int d = 0; d < idx.length; d++) x[d] = values.get(d)[idx[d]];
        return space.decode(x);
    }
}
