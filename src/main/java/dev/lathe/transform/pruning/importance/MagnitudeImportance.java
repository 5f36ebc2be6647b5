package dev.lathe.transform.pruning.importance;

import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;
import dev.lathe.transform.pruning.SliceIndexing;

/**
 * L2 norm of every parameter a unit owns, averaged over the coupled tensors of its group (as DepGraph does).
 * Each tensor's norms are divided by their mean first so that a large matrix does not drown a bias.
 */
public final class MagnitudeImportance implements ImportanceCriterion {
    @Override
    public String id() { return "magnitude-l2"; }

    @Override
    public double[] score(PrunableGroup group, MutableGraph graph) {
        double[] total = new double[group.size()];
        for (TensorSlice s : group.slices()) {
            var t = graph.initializer(s.initializer());
            java.nio.FloatBuffer v = Tensors.floatView(t); // a view: scoring a large weight copies nothing
            long[] dims = Tensors.dims(t);
            double[] perIndex = new double[(int) dims[s.axis()]];
            SliceIndexing ix = new SliceIndexing(dims, s.axis());
            for (int i = 0, n = v.limit(); i < n; i++) { double x = v.get(i); perIndex[ix.axisIndex(i)] += x * x; }
            double[] perUnit = new double[group.size()];
            int width = s.width(group), span = group.size() * width;
            for (int j = 0; j < span && s.offset() + j < perIndex.length; j++) perUnit[j / width] += perIndex[s.offset() + j];
            double mean = 0;
            for (int u = 0; u < perUnit.length; u++) { perUnit[u] = Math.sqrt(perUnit[u]); mean += perUnit[u]; }
            mean /= perUnit.length;
            for (int u = 0; u < perUnit.length; u++) total[u] += mean > 0 ? perUnit[u] / mean : 0;
        }
        for (int u = 0; u < total.length; u++) total[u] /= group.slices().size();
        return total;
    }
}
