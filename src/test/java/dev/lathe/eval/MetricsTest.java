package dev.lathe.eval;

import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Metric arithmetic against values worked out by hand. */
class MetricsTest {
    @Test
    void percentilesInterpolateBetweenRanks() {
        LatencyStats s = LatencyStats.of(new double[] {5, 1, 4, 2, 3}, 0, 1, "cpu", "");
        assertEquals(3.0, s.medianMs());
        assertEquals(4.6, s.p90Ms(), 1e-12);   // rank 0.9 * 4 = 3.6 -> 4 + 0.6 * (5 - 4)
        assertEquals(3.0, s.meanMs());
        assertEquals(Math.sqrt(2.5), s.stdMs(), 1e-12);
        assertEquals(1.0, s.minMs());
    }

    @Test
    void cosineAndArgmax() {
        assertEquals(1.0, TensorData.cosine(new float[] {1, 2}, new float[] {2, 4}), 1e-12);
        assertEquals(0.0, TensorData.cosine(new float[] {1, 0}, new float[] {0, 3}), 1e-12);
        assertEquals(-1.0, TensorData.cosine(new float[] {1, 1}, new float[] {-1, -1}), 1e-12);
        assertEquals(2, QualityEvaluator.argmax(new float[] {0.1f, -3, 7, 6.9f}));
    }

    @Test
    void meanPoolingSkipsPaddedPositions() {
        TensorData hidden = TensorData.ofFloats(new long[] {1, 3, 2}, new float[] {1, 2, 3, 4, 100, 100});
        TensorData mask = TensorData.ofLongs(new long[] {1, 3}, new long[] {1, 1, 0});
        assertArrayEquals(new float[] {2, 3}, QualityEvaluator.meanPool(hidden, mask));
    }
}
