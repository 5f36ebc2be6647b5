package dev.lathe.transform;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Refits the layer that reads a pruned group so that, on the calibration activations, its output with the
 * kept units matches the original output with all units: min ‖X_K W' + b' − (X W + b)‖², in closed form from
 * the Gram matrix of [x, 1] (a small ridge keeps it well posed). The removed units' mean contribution moves
 * into the bias, so bias compensation is the special case this already covers. A convolution is refitted the
 * same way on its kernel windows (im2col statistics), its filters read as one [out, channels*taps] matrix.
 */
public final class LeastSquaresRepair {
    /** Ridge as a fraction of the mean diagonal: enough to tame near-collinear units, too small to bias the fit. */
    static final double RIDGE = 1e-3;

    private LeastSquaresRepair() {}

    /**
     * Rewrites the consumer weight and bias in the original coordinates: rows (features) outside {@code keptUnits}
     * become zero, to be sliced away by the pruner afterwards, so repairs and prunes of different groups compose.
     */
    public static void repair(MutableGraph graph, PrunableGroup group, int[] keptUnits, ActivationStats stats) {
        PrunableGroup.Consumer c = group.consumer();
        if (c == null || !stats.has(group.id())) return;
        DMatrixRMaj g = stats.gram(group.id());
        TensorProto wt = graph.initializer(c.weight());
        float[] wv = Tensors.toFloats(wt);
        // A convolution's filters [out, channels, kernel...] read as [out, channels*kernel]: one row per output,
        // one column per position of the kernel window, matching the window statistics.
        int r0 = (int) wt.getDims(0), c0 = (int) (Tensors.elementCount(wt) / r0);
        int features = c.transposed() ? c0 : r0, outs = c.transposed() ? r0 : c0;
        if (g.numRows != features + 1) return; // statistics of another shape: leave the layer as it is
        TensorProto bt = c.bias() == null ? null : graph.initializer(c.bias());
        float[] bv = bt == null ? new float[outs] : Tensors.toFloats(bt);

        // Original weights with the bias as an extra input row: [W; b], (features+1) x outs.
        DMatrixRMaj wAug = new DMatrixRMaj(features + 1, outs);
        for (int f = 0; f < features; f++)
            for (int o = 0; o < outs; o++) wAug.unsafe_set(f, o, c.transposed() ? wv[o * c0 + f] : wv[f * c0 + o]);
        for (int o = 0; o < outs; o++) wAug.unsafe_set(features, o, bv[o]);

        int bw = features / group.size(); // features each unit owns: 1, a head's width, or a channel's kernel taps
        // With a bias, the constant column joins the fit and carries the new bias; without one, the fit has no intercept.
        int withBias = bt == null ? 0 : 1;
        int[] kept = new int[keptUnits.length * bw + withBias];
        for (int i = 0; i < keptUnits.length; i++) for (int j = 0; j < bw; j++) kept[i * bw + j] = keptUnits[i] * bw + j;
        if (withBias == 1) kept[kept.length - 1] = features;
        int k = kept.length;

        DMatrixRMaj gkk = new DMatrixRMaj(k, k);
        double meanDiag = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) gkk.unsafe_set(i, j, g.get(kept[i], kept[j]));
            meanDiag += g.get(kept[i], kept[i]);
        }
        meanDiag /= k;
        for (int i = 0; i < k - withBias; i++) gkk.add(i, i, RIDGE * meanDiag);
        DMatrixRMaj gkAll = new DMatrixRMaj(k, features + 1);
        for (int i = 0; i < k; i++) for (int j = 0; j <= features; j++) gkAll.unsafe_set(i, j, g.get(kept[i], j));
        DMatrixRMaj rhs = new DMatrixRMaj(k, outs);
        CommonOps_DDRM.mult(gkAll, wAug, rhs);
        DMatrixRMaj x = new DMatrixRMaj(k, outs);
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.symmPosDef(k);
        if (!solver.setA(gkk)) {
            solver = LinearSolverFactory_DDRM.leastSquares(k, k);
            if (!solver.setA(gkk)) return; // singular even with the ridge: keep plain pruning
        }
        solver.solve(rhs, x);

        float[] nw = new float[wv.length];
        for (int i = 0; i < k - withBias; i++) {
            int f = kept[i];
            for (int o = 0; o < outs; o++) {
                float val = (float) x.get(i, o);
                if (c.transposed()) nw[o * c0 + f] = val; else nw[f * c0 + o] = val;
            }
        }
        graph.putInitializer(Tensors.floats(wt.getName(), Tensors.dims(wt), nw));
        if (bt != null) {
            float[] nb = new float[outs];
            for (int o = 0; o < outs; o++) nb[o] = (float) x.get(k - 1, o);
            graph.putInitializer(Tensors.floats(bt.getName(), Tensors.dims(bt), nb));
        }
    }
}
