package dev.lathe.transform;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;
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
        TensorProto w = graph.initializer(group.consumer().weight());
        float[] v = Tensors.toFloats(w);
        double[] out = new double[group.size()];
        // Convolution filters [out, channels, kernel...] read as [out, channels*taps], like the window statistics.
        int rows = (int) w.getDims(0), cols = (int) (Tensors.elementCount(w) / rows);
        boolean t = group.consumer().transposed();
        int features = t ? cols : rows;
        for (int f = 0; f < features; f++) {
            double wn = 0;
            if (t) for (int o = 0; o < rows; o++) wn += (double) v[o * cols + f] * v[o * cols + f];
            else for (int o = 0; o < cols; o++) wn += (double) v[f * cols + o] * v[f * cols + o];
            // Summed over the unit's features: E[x_f^2] * |w_f|^2, the energy this feature adds to the output.
            out[f / (features / group.size())] += g.get(f, f) * wn;
        }
        for (int u = 0; u < out.length; u++) out[u] = Math.sqrt(out[u]);
        return out;
    }
}
