package dev.lathe.transform.quantization;

import dev.lathe.TinyGraphs;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Activation ranges against ONNX Runtime's calibrators. The expected thresholds were computed by a transcription
 * of {@code onnxruntime/quantization/calibrate.py} (HistogramCollector: np.histogram over all samples, the
 * entropy search with smooth_distribution and scipy's entropy, compute_percentile) run with numpy on exactly
 * these values; they differ from plain min-max, so a wrong bin, window or cut shows.
 */
class ActivationCalibratorTest {
    /** Three samples of 1000 values: a sine of growing amplitude with two kinds of outliers. */
    static List<Map<String, TensorData>> samples() {
        List<Map<String, TensorData>> out = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            float[] x = new float[1000];
            for (int i = 0; i < x.length; i++)
                x[i] = (float) (Math.sin(0.37 * i + s) * (1.0 + (i % 7)) - 0.5 + (i % 97 == 0 ? 25.0 : 0.0) + (i % 89 == 0 ? -11.0 : 0.0));
            out.add(Map.of("x", TensorData.ofFloats(new long[] {1, 1000}, x)));
        }
        return out;
    }

    /** The calibrated tensor is an intermediate one (x + 0), so the run has to expose it as an output. */
    static MutableGraph graph() {
        return MutableGraph.of(new TinyGraphs(0).tensor("zero", new long[] {1}, new float[] {0f}).input("x", 1, 1000)
                .node("Add", "h", List.of("x", "zero")).node("Relu", "y", List.of("h")).output("y", 1, 1000).model(13));
    }

    static ActivationCalibrator.Range range(String method, double percentile, boolean symmetric) throws Exception {
        return ActivationCalibrator.calibrate(graph(), List.of("h"), samples(), new QuantizationOptions(method, percentile, symmetric, 8)).get("h");
    }

    @Test
    void minMaxIsTheExtremesAndSymmetricTheLargerMagnitude() throws Exception {
        var r = range("minmax", 99.999, false);
        assertEquals(-18.010862, r.min(), 1e-5);
        assertEquals(29.412235, r.max(), 1e-5);
        var s = range("minmax", 99.999, true);
        assertEquals(-29.412235, s.min(), 1e-5);
        assertEquals(29.412235, s.max(), 1e-5);
    }

    @Test
    void entropyPicksOnnxRuntimesWindow() throws Exception {
        var r = range("entropy", 99.999, false);
        double bin = 2 * 29.412235 / 2048;
        assertEquals(-7.554119, r.min(), bin / 100);
        assertEquals(7.582844, r.max(), bin / 100);
    }

    @Test
    void percentileCutsLikeOnnxRuntimeOnBothTailsOrOnMagnitudes() throws Exception {
        var twoSided = range("percentile", 99.5, false);
        double bin = 2 * 29.412235 / 2048;
        assertEquals(-13.499757, twoSided.min(), bin / 100);
        assertEquals(26.453777, twoSided.max(), bin / 100);
        var magnitude = range("percentile", 99.5, true);
        assertEquals(-18.010862, magnitude.min(), 1e-5, "the cut at -25.15 lies below every value seen: clipped to the minimum");
        assertEquals(25.147280, magnitude.max(), 29.412235 / 2048 / 100);
    }
}
