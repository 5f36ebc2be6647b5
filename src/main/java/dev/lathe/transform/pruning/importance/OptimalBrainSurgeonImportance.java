package dev.lathe.transform.pruning.importance;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.transform.pruning.ActivationStats;
import dev.lathe.transform.pruning.ConsumerWeights;
import dev.lathe.transform.pruning.LeastSquaresRepair;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ranks units by the error that remains after {@link LeastSquaresRepair} refits the reading layer without them:
 * the structured Optimal Brain Surgeon criterion (as in ZipLM / SlimGPT). Removing the feature block B from a
 * layer whose inputs have Gram matrix H leaves, after the best refit of the other weights, the output error
 * tr(W_Bᵀ [(H⁻¹)_BB]⁻¹ W_B). Units are removed greedily, cheapest first, updating H⁻¹ and the compensated
 * weights after each removal, so the score of a unit is the step at which it goes: the kept set for any ratio
 * is the last units standing, which is exactly the set the refit can best do without. Activation ranking
 * (|W|·‖x‖) ignores that a removed unit's work can be taken over by correlated ones; this does not.
 *
 * <p>Written here rather than taken from a library: it is a few lines of rank-k updates on EJML matrices, and
 * the pruning libraries that have it (SparseGPT, ZipLM) are Python over PyTorch.
 */
public final class OptimalBrainSurgeonImportance implements ImportanceCriterion {
    private final ActivationStats stats;
    private final ImportanceCriterion fallback;
    private final Map<String, double[]> scored = new ConcurrentHashMap<>();

    public OptimalBrainSurgeonImportance(ActivationStats stats, ImportanceCriterion fallback) {
        this(stats, fallback, Map.of());
    }

    /** With the greedy paths of earlier runs on the same statistics and weights ({@link #orders()}), which are not walked again. */
    public OptimalBrainSurgeonImportance(ActivationStats stats, ImportanceCriterion fallback, Map<String, double[]> known) {
        this.stats = stats;
        this.fallback = fallback;
        known.forEach((id, order) -> scored.put(id, order.clone()));
    }

    /** The scores of every group walked so far, by group id (copies). */
    public Map<String, double[]> orders() {
        Map<String, double[]> out = new java.util.TreeMap<>();
        scored.forEach((id, order) -> out.put(id, order.clone()));
        return out;
    }

    @Override
    public String id() { return "obs"; }

    @Override
    public double[] score(PrunableGroup group, MutableGraph graph) {
        if (group.consumer() == null || !stats.has(group.id())) return fallback.score(group, graph);
        ConsumerWeights w = ConsumerWeights.of(graph, group.consumer());
        if (stats.gram(group.id()).numRows != w.features + 1) return fallback.score(group, graph);
        // The path depends only on the original weights and the statistics, so one greedy pass serves every genome.
        return scored.computeIfAbsent(group.id(), id -> {
            double[] order = removalOrder(stats.gram(id), w, group.size());
            return order != null ? order : fallback.score(group, graph); // singular even with the ridge
        }).clone();
    }

    /**
     * Score of each unit: the greedy step at which it is removed (the survivor scores {@code units}); null when the
     * Gram matrix cannot be inverted even with the ridge.
     */
    static double[] removalOrder(DMatrixRMaj gram, ConsumerWeights cw, int units) {
        int features = cw.features, bw = features / units;
        // The constant input joins the fit when the layer has a bias (as in the repair); it is never removed.
        int n = cw.bias == null ? features : features + 1;
        DMatrixRMaj h = new DMatrixRMaj(n, n);
        CommonOps_DDRM.extract(gram, 0, n, 0, n, h, 0, 0);
        double ridge = LeastSquaresRepair.ridge(gram, features);
        for (int f = 0; f < features; f++) h.add(f, f, ridge);
        DMatrixRMaj hinv = new DMatrixRMaj(n, n);
        if (!CommonOps_DDRM.invertSPD(h, hinv) && !CommonOps_DDRM.invert(h, hinv)) return null;
        DMatrixRMaj w = new DMatrixRMaj(n, cw.outs);
        CommonOps_DDRM.extract(cw.withBiasRow(), 0, n, 0, cw.outs, w, 0, 0);
        if (bw == 1) return singleFeatureOrder(hinv.data, w.data, n, cw.outs, units);
        return blockOrder(hinv, w, units, bw);
    }

    /** The greedy path for units of {@code bw} features each (heads, convolution channels over their kernel taps). */
    static double[] blockOrder(DMatrixRMaj hinv, DMatrixRMaj w, int units, int bw) {
        double[] score = new double[units];
        boolean[] gone = new boolean[units];
        DMatrixRMaj block = new DMatrixRMaj(bw, bw), blockInv = new DMatrixRMaj(bw, bw);
        DMatrixRMaj wb = new DMatrixRMaj(bw, w.numCols), solved = new DMatrixRMaj(bw, w.numCols);
        for (int step = 0; step < units - 1; step++) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int u = 0; u < units; u++) {
                if (gone[u]) continue;
                double cost = removalCost(hinv, w, u * bw, bw, block, blockInv, wb, solved);
                if (cost < bestCost) { bestCost = cost; best = u; }
            }
            remove(hinv, w, best * bw, bw, block, blockInv);
            gone[best] = true;
            score[best] = step;
        }
        for (int u = 0; u < units; u++) if (!gone[u]) score[u] = units;
        return score;
    }

    /**
     * The same greedy path for one feature per unit (hidden units: the common and the large case), on plain
     * arrays restricted to the features still present. The rank-1 update of H⁻¹ is memory-bound, so the arrays are
     * compacted as features go: the work falls from n³ to about n³/3 and a 1536-unit layer takes about a second.
     * The last {@code n - units} features (the constant input) are never candidates.
     */
    static double[] singleFeatureOrder(double[] hinvFull, double[] wFull, int n, int outs, int units) {
        double[] score = new double[units];
        java.util.Arrays.fill(score, units); // survivors score highest
        int[] feature = new int[n]; // original index of each active row
        for (int i = 0; i < n; i++) feature[i] = i;
        double[] h = hinvFull.clone(), w = wFull.clone();
        double[] k = new double[n], wb = new double[outs];
        int m = n;
        for (int step = 0; step < units - 1; step++) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int i = 0; i < m; i++) {
                if (feature[i] >= units) continue;
                double d = h[i * m + i];
                if (!(d > 0)) continue;
                double norm = 0;
                for (int o = 0, at = i * outs; o < outs; o++) norm += w[at + o] * w[at + o];
                double cost = norm / d;
                if (cost < bestCost) { bestCost = cost; best = i; }
            }
            if (best < 0) break; // numerically degenerate: the rest keep the survivors' score
            score[feature[best]] = step;
            double d = h[best * m + best];
            for (int i = 0; i < m; i++) k[i] = h[i * m + best];
            System.arraycopy(w, best * outs, wb, 0, outs);
            // W -= k/d ⊗ W_best and H⁻¹ -= k kᵀ/d, written straight into the (m-1)-square layout without the
            // removed row and column. Every write lands at or before the position being read, so in place is safe.
            int nm = m - 1, r = 0;
            for (int i = 0; i < m; i++) {
                if (i == best) continue;
                double f = k[i] / d;
                int src = i * m, dst = r * nm;
                for (int c = 0; c < best; c++) h[dst + c] = h[src + c] - f * k[c];
                for (int c = best + 1; c < m; c++) h[dst + c - 1] = h[src + c] - f * k[c];
                for (int o = 0, from = i * outs, to = r * outs; o < outs; o++) w[to + o] = w[from + o] - f * wb[o];
                feature[r++] = feature[i];
            }
            m = nm;
        }
        return score;
    }

    /** tr(W_Bᵀ [(H⁻¹)_BB]⁻¹ W_B) for the block of {@code bw} features starting at {@code at}. */
    private static double removalCost(DMatrixRMaj hinv, DMatrixRMaj w, int at, int bw,
                                      DMatrixRMaj block, DMatrixRMaj blockInv, DMatrixRMaj wb, DMatrixRMaj solved) {
        int outs = w.numCols;
        if (bw == 1) {
            double d = hinv.get(at, at), s = 0;
            if (!(d > 0)) return Double.POSITIVE_INFINITY;
            for (int o = 0; o < outs; o++) { double v = w.unsafe_get(at, o); s += v * v; }
            return s / d;
        }
        CommonOps_DDRM.extract(hinv, at, at + bw, at, at + bw, block, 0, 0);
        if (!CommonOps_DDRM.invert(block, blockInv)) return Double.POSITIVE_INFINITY;
        CommonOps_DDRM.extract(w, at, at + bw, 0, outs, wb, 0, 0);
        CommonOps_DDRM.mult(blockInv, wb, solved);
        return CommonOps_DDRM.elementSum(elementMult(wb, solved));
    }

    private static DMatrixRMaj elementMult(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj out = a.copy();
        CommonOps_DDRM.elementMult(out, b);
        return out;
    }

    /**
     * Removes the block: the other weights absorb its work (W -= H⁻¹_:B [(H⁻¹)_BB]⁻¹ W_B) and H⁻¹ becomes the
     * inverse over the remaining features (a Schur complement), so later costs account for this removal.
     */
    private static void remove(DMatrixRMaj hinv, DMatrixRMaj w, int at, int bw, DMatrixRMaj block, DMatrixRMaj blockInv) {
        int n = hinv.numRows, outs = w.numCols;
        DMatrixRMaj cols = new DMatrixRMaj(n, bw);
        CommonOps_DDRM.extract(hinv, 0, n, at, at + bw, cols, 0, 0);
        CommonOps_DDRM.extract(hinv, at, at + bw, at, at + bw, block, 0, 0);
        if (!CommonOps_DDRM.invert(block, blockInv)) return;
        DMatrixRMaj k = new DMatrixRMaj(n, bw);
        CommonOps_DDRM.mult(cols, blockInv, k); // H⁻¹_:B [(H⁻¹)_BB]⁻¹
        DMatrixRMaj wb = new DMatrixRMaj(bw, outs);
        CommonOps_DDRM.extract(w, at, at + bw, 0, outs, wb, 0, 0);
        CommonOps_DDRM.multAdd(-1, k, wb, w);
        CommonOps_DDRM.multAddTransB(-1, k, cols, hinv);
        // Exact zeros for the removed rows, so rounding cannot bring them back into later costs.
        for (int i = at; i < at + bw; i++) {
            Arrays.fill(w.data, i * outs, (i + 1) * outs, 0);
            for (int j = 0; j < n; j++) { hinv.unsafe_set(i, j, 0); hinv.unsafe_set(j, i, 0); }
        }
    }
}
