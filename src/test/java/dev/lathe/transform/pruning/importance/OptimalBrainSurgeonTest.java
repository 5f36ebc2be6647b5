package dev.lathe.transform.pruning.importance;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class OptimalBrainSurgeonTest {
    /** A random well-conditioned Gram matrix XᵀX of 3n rows, inverted, and random weights. */
    static DMatrixRMaj[] problem(int n, int outs, long seed) {
        Random r = new Random(seed);
        DMatrixRMaj x = new DMatrixRMaj(3 * n, n);
        for (int i = 0; i < x.data.length; i++) x.data[i] = r.nextGaussian();
        for (int i = 0; i < 3 * n; i++) x.add(i, 1, 0.9 * x.get(i, 0)); // two correlated features
        DMatrixRMaj h = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransA(x, x, h);
        DMatrixRMaj hinv = new DMatrixRMaj(n, n);
        assertTrue(CommonOps_DDRM.invertSPD(h, hinv));
        DMatrixRMaj w = new DMatrixRMaj(n, outs);
        for (int i = 0; i < w.data.length; i++) w.data[i] = r.nextGaussian();
        return new DMatrixRMaj[] {h, hinv, w};
    }

    @Test
    void fastSingleFeaturePathEqualsTheGeneralOne() {
        DMatrixRMaj[] p = problem(40, 7, 3);
        double[] general = OptimalBrainSurgeonImportance.blockOrder(p[1].copy(), p[2].copy(), 40, 1);
        double[] fast = OptimalBrainSurgeonImportance.singleFeatureOrder(p[1].data, p[2].data, 40, 7, 40);
        assertArrayEquals(general, fast);
        // A constant input at the end (bias) is never removed and does not change who goes first.
        DMatrixRMaj[] q = problem(41, 5, 4);
        double[] withConstant = OptimalBrainSurgeonImportance.singleFeatureOrder(q[1].data, q[2].data, 41, 5, 40);
        assertEquals(40, withConstant.length);
        assertEquals(1, java.util.Arrays.stream(withConstant).filter(v -> v == 40).count(), "one survivor");
        assertEquals(39, java.util.Arrays.stream(withConstant).distinct().filter(v -> v < 40).count(), "the others go one per step");
    }

    @Test
    void firstRemovalIsTheCheapestAfterTheRefit() {
        DMatrixRMaj[] p = problem(12, 3, 5);
        DMatrixRMaj h = p[0], hinv = p[1], w = p[2];
        double[] order = OptimalBrainSurgeonImportance.singleFeatureOrder(hinv.data, w.data, 12, 3, 12);
        int first = 0;
        for (int i = 0; i < 12; i++) if (order[i] == 0) first = i;
        // Brute force: for each feature, the least-squares error of refitting the others to X W without it.
        double bestError = Double.POSITIVE_INFINITY;
        int bestFeature = -1;
        for (int drop = 0; drop < 12; drop++) {
            double e = refitError(h, w, drop);
            if (e < bestError) { bestError = e; bestFeature = drop; }
        }
        assertEquals(bestFeature, first, "greedy's first step is the exact best single removal");
    }

    /** min over W' of ‖X W' − X W‖² with row {@code drop} of W' zero, from the Gram matrix. */
    static double refitError(DMatrixRMaj h, DMatrixRMaj w, int drop) {
        int n = h.numRows, k = n - 1;
        int[] kept = java.util.stream.IntStream.range(0, n).filter(i -> i != drop).toArray();
        DMatrixRMaj hkk = new DMatrixRMaj(k, k), hkn = new DMatrixRMaj(k, n);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) hkk.set(i, j, h.get(kept[i], kept[j]));
            for (int j = 0; j < n; j++) hkn.set(i, j, h.get(kept[i], j));
        }
        DMatrixRMaj rhs = new DMatrixRMaj(k, w.numCols), sol = new DMatrixRMaj(k, w.numCols);
        CommonOps_DDRM.mult(hkn, w, rhs);
        CommonOps_DDRM.solve(hkk, rhs, sol);
        // error = tr(Wᵀ H W) − tr(solᵀ rhs)
        DMatrixRMaj hw = new DMatrixRMaj(n, w.numCols);
        CommonOps_DDRM.mult(h, w, hw);
        return frobenius(w, hw) - frobenius(sol, rhs);
    }

    static double frobenius(DMatrixRMaj a, DMatrixRMaj b) {
        double s = 0;
        for (int i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
        return s;
    }
}
