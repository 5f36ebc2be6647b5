package dev.lathe.transform.pruning;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
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

    /** The ridge added to each feature's diagonal: {@link #RIDGE} times the mean second moment of the features. */
    public static double ridge(DMatrixRMaj gram, int features) {
        double mean = 0;
        for (int f = 0; f < features; f++) mean += gram.get(f, f);
        return RIDGE * mean / Math.max(1, features);
    }

    /**
     * Rewrites the consumer weight and bias in the original coordinates: rows (features) outside {@code keptUnits}
     * become zero, to be sliced away by the pruner afterwards, so repairs and prunes of different groups compose.
     */
    public static void repair(MutableGraph graph, PrunableGroup group, int[] keptUnits, ActivationStats stats) {
        PrunableGroup.Consumer c = group.consumer();
        if (c == null || !stats.has(group.id())) return;
        DMatrixRMaj g = stats.gram(group.id());
        ConsumerWeights cw = ConsumerWeights.of(graph, c);
        int features = cw.features, outs = cw.outs;
        if (g.numRows != features + 1) return; // statistics of another shape: leave the layer as it is
        DMatrixRMaj wAug = cw.withBiasRow();

        int bw = features / group.size(); // features each unit owns: 1, a head's width, or a channel's kernel taps
        // With a bias, the constant column joins the fit and carries the new bias; without one, the fit has no intercept.
        int withBias = cw.bias == null ? 0 : 1;
        int[] kept = new int[keptUnits.length * bw + withBias];
        for (int i = 0; i < keptUnits.length; i++) for (int j = 0; j < bw; j++) kept[i * bw + j] = keptUnits[i] * bw + j;
        if (withBias == 1) kept[kept.length - 1] = features;
        int k = kept.length;

        DMatrixRMaj gkk = new DMatrixRMaj(k, k);
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) gkk.unsafe_set(i, j, g.get(kept[i], kept[j]));
        double ridge = ridge(g, features);
        for (int i = 0; i < k - withBias; i++) gkk.add(i, i, ridge);
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

        double[] newBias = new double[outs];
        if (withBias == 1) for (int o = 0; o < outs; o++) newBias[o] = x.get(k - 1, o);
        cw.write(graph, java.util.Arrays.copyOf(kept, k - withBias), x, newBias);
    }
}
