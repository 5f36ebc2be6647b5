package dev.lathe.transform.pruning.importance;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.transform.pruning.ActivationStats;
import dev.lathe.transform.pruning.ConsumerWeights;
import org.ejml.data.DMatrixRMaj;

/**
 * Activation-aware importance, the structured form of Wanda (|W|·‖X‖): a unit matters as much as the size of
 * what it sends on, ‖x_j‖ over the calibration rows times the norm of the consumer weights that read it.
 * Falls back to magnitude for groups without a consumer layer.
 */
public final class ActivationImportance implements ImportanceCriterion {
    private final ActivationStats stats;
    private final MagnitudeImportance fallback = new MagnitudeImportance();

    public ActivationImportance(ActivationStats stats) {
        this.stats = stats;
    }

    @Override
    public String id() { return "activation"; }

    @Override
    public double[] score(PrunableGroup group, MutableGraph graph) {
        if (group.consumer() == null || !stats.has(group.id())) return fallback.score(group, graph);
        DMatrixRMaj g = stats.gram(group.id());
        ConsumerWeights w = ConsumerWeights.of(graph, group.consumer());
        double[] out = new double[group.size()];
        int perUnit = w.features / group.size();
        // Summed over the unit's features: E[x_f^2] * |w_f|^2, the energy this feature adds to the output.
        for (int f = 0; f < w.features; f++) out[f / perUnit] += g.get(f, f) * w.featureEnergy(f);
        for (int u = 0; u < out.length; u++) out[u] = Math.sqrt(out[u]);
        return out;
    }
}
