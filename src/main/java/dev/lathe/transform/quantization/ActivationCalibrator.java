package dev.lathe.transform.quantization;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtException;
import dev.lathe.model.ActivationProbe;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.TensorData;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Activation ranges for static quantization, computed the way ONNX Runtime's calibrators compute them
 * ({@code onnxruntime/quantization/calibrate.py}), on a float32 graph and calibration samples:
 * <ul>
 * <li>{@code minmax}: the smallest and largest value seen (MinMaxCalibrater), symmetric around 0 if asked;</li>
 * <li>{@code percentile}: the edges cutting {@code 100 - p} percent of a 2048-bin histogram, of |x| when
 *     activations are symmetric (PercentileCalibrater's default) and of x, half off each tail, when not;</li>
 * <li>{@code entropy}: the symmetric window over a 2048-bin histogram whose 128-bin quantization has the
 *     smallest KL divergence to it (EntropyCalibrater, TensorRT's method). ONNX Runtime's own default of 128
 *     histogram bins leaves a single window, i.e. min-max; 2048 bins make the search meaningful.</li>
 * </ul>
 * Like ONNX Runtime, every range is clipped to the values actually seen. A first pass reduces every tensor to
 * its extremes inside ONNX Runtime; histogram methods then make a second pass over the full tensors with
 * those fixed ranges, so the histogram is the one ONNX Runtime builds from all samples at once.
 */
public final class ActivationCalibrator {
    static final int HISTOGRAM_BINS = 2048;
    static final int QUANTIZED_BINS = 128;

    private ActivationCalibrator() {}

    /** A calibrated range, before it is widened to include 0. */
    public record Range(float min, float max) {}

    /** The tensors' ranges on the samples; {@code graph} is not changed. */
    public static Map<String, Range> calibrate(MutableGraph graph, Collection<String> tensors, List<Map<String, TensorData>> samples,
                                               QuantizationOptions options) throws OrtException {
        if (samples.isEmpty()) throw new IllegalArgumentException("static int8 quantization needs calibration data, and none was given");
        List<String> names = List.copyOf(new java.util.LinkedHashSet<>(tensors));
        boolean absolute = options.calibration().equals("percentile") && options.symmetricActivations();
        Map<String, float[]> extremes = extremes(graph, names, samples, absolute); // min, max, min |x|
        Map<String, Range> out = new LinkedHashMap<>();
        if (options.calibration().equals("minmax")) {
            for (String t : names) {
                float[] e = extremes.get(t);
                out.put(t, options.symmetricActivations() ? symmetric(e[0], e[1]) : new Range(e[0], e[1]));
            }
            return out;
        }
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        for (String t : names) {
            float[] e = extremes.get(t);
            float threshold = Math.max(Math.abs(e[0]), Math.abs(e[1]));
            histograms.put(t, absolute ? new Histogram(HISTOGRAM_BINS, e[2], threshold, true) : new Histogram(HISTOGRAM_BINS, -threshold, threshold, false));
        }
        ActivationProbe.run(new MutableGraph(graph.toModel()), names, samples, values -> {
            for (String t : names) histograms.get(t).add(values.get(t).floats());
        });
        for (String t : names) {
            float[] e = extremes.get(t);
            Histogram h = histograms.get(t);
            double[] r = options.calibration().equals("entropy") ? entropyThreshold(h.counts, h.edges(), QUANTIZED_BINS)
                    : absolute ? percentileSymmetric(h.counts, h.edges(), options.percentile())
                    : percentileTwoSided(h.counts, h.edges(), options.percentile());
            out.put(t, new Range((float) Math.max(r[0], e[0]), (float) Math.min(r[1], e[1])));
        }
        return out;
    }

    private static Range symmetric(float min, float max) {
        float a = Math.max(Math.abs(min), Math.abs(max));
        return new Range(-a, a);
    }

    /** min, max and smallest magnitude of each tensor over all samples, reduced inside ONNX Runtime. */
    private static Map<String, float[]> extremes(MutableGraph graph, List<String> tensors, List<Map<String, TensorData>> samples,
                                                 boolean withSmallestMagnitude) throws OrtException {
        MutableGraph probe = new MutableGraph(graph.toModel());
        Map<String, String[]> reduced = new LinkedHashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (String t : tensors) {
            String base = probe.uniqueName(t + "_lathe_range");
            String[] outs = {base + "_min", base + "_max", base + "_absmin"};
            nodes.add(reduce("ReduceMin", t, outs[0]));
            nodes.add(reduce("ReduceMax", t, outs[1]));
            if (withSmallestMagnitude) {
                nodes.add(NodeProto.newBuilder().setOpType("Abs").setName(base + "_abs").addInput(t).addOutput(base + "_abs").build());
                nodes.add(reduce("ReduceMin", base + "_abs", outs[2]));
            }
            reduced.put(t, outs);
        }
        probe.insertNodes(probe.nodeCount(), nodes);
        List<String> outputs = new ArrayList<>();
        reduced.values().forEach(o -> { outputs.add(o[0]); outputs.add(o[1]); if (withSmallestMagnitude) outputs.add(o[2]); });
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String t : tensors) out.put(t, new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY});
        ActivationProbe.run(probe, outputs, samples, values -> {
            for (String t : tensors) {
                String[] o = reduced.get(t);
                float[] e = out.get(t);
                e[0] = Math.min(e[0], values.get(o[0]).floats()[0]);
                e[1] = Math.max(e[1], values.get(o[1]).floats()[0]);
                if (withSmallestMagnitude) e[2] = Math.min(e[2], values.get(o[2]).floats()[0]);
            }
        });
        return out;
    }

    /**
     * The largest |x| of every channel (the last axis, {@code widths} wide) of each tensor over the samples, what
     * SmoothQuant balances; reduced inside ONNX Runtime, so one sample copies back one vector per tensor.
     * {@code graph} is not changed.
     */
    public static Map<String, float[]> channelMaxima(MutableGraph graph, Map<String, Integer> widths, List<Map<String, TensorData>> samples)
            throws OrtException {
        if (samples.isEmpty()) throw new IllegalArgumentException("SmoothQuant needs calibration data, and none was given");
        MutableGraph probe = new MutableGraph(graph.toModel());
        int opset = dev.lathe.model.OnnxModel.defaultOpset(probe.original());
        Map<String, String> reduced = new LinkedHashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (Map.Entry<String, Integer> e : widths.entrySet()) {
            String t = e.getKey(), base = probe.uniqueName(t + "_lathe_channel_max");
            String shape = base + "_shape", abs = base + "_abs", rows = base + "_rows", max = base + "_max";
            probe.putInitializer(dev.lathe.model.Tensors.longs(shape, new long[] {2}, new long[] {-1, e.getValue()}));
            nodes.add(NodeProto.newBuilder().setOpType("Abs").setName(abs).addInput(t).addOutput(abs).build());
            nodes.add(NodeProto.newBuilder().setOpType("Reshape").setName(rows).addInput(abs).addInput(shape).addOutput(rows).build());
            // ReduceMax takes its axes as an input from opset 18, as an attribute before.
            NodeProto.Builder r = NodeProto.newBuilder().setOpType("ReduceMax").setName(max).addInput(rows).addOutput(max)
                    .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0));
            if (opset >= 18) {
                String axes = base + "_axes";
                probe.putInitializer(dev.lathe.model.Tensors.longs(axes, new long[] {1}, new long[] {0}));
                r.addInput(axes);
            } else {
                r.addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS).addInts(0));
            }
            nodes.add(r.build());
            reduced.put(t, max);
        }
        probe.insertNodes(probe.nodeCount(), nodes);
        Map<String, float[]> out = new LinkedHashMap<>();
        ActivationProbe.run(probe, List.copyOf(reduced.values()), samples, values -> {
            for (Map.Entry<String, String> e : reduced.entrySet()) {
                float[] v = values.get(e.getValue()).floats();
                float[] m = out.computeIfAbsent(e.getKey(), k -> new float[v.length]);
                for (int j = 0; j < v.length; j++) m[j] = Math.max(m[j], v[j]);
            }
        });
        return out;
    }

    private static NodeProto reduce(String op, String input, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(output).addInput(input).addOutput(output)
                .addAttribute(AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build();
    }

    /** Counts of values in equal bins over [lo, hi], the last bin closed, values outside left out (numpy.histogram). */
    static final class Histogram {
        final long[] counts;
        final double lo, hi;
        final boolean absolute;

        Histogram(int bins, double lo, double hi, boolean absolute) {
            if (lo == hi) { lo -= 0.5; hi += 0.5; } // numpy widens an empty range the same way
            this.counts = new long[bins];
            this.lo = lo;
            this.hi = hi;
            this.absolute = absolute;
        }

        void add(float[] values) {
            int bins = counts.length;
            double norm = bins / (hi - lo);
            for (float f : values) {
                double x = absolute ? Math.abs(f) : f;
                if (x < lo || x > hi || Double.isNaN(x)) continue;
                int i = (int) ((x - lo) * norm);
                counts[Math.min(i, bins - 1)]++;
            }
        }

        double[] edges() {
            double[] e = new double[counts.length + 1];
            for (int i = 0; i <= counts.length; i++) e[i] = lo + (hi - lo) * i / counts.length;
            return e;
        }
    }

    /** PercentileCalibrater over |x|: (-t, t) with t the edge where the cumulative share first reaches p. */
    static double[] percentileSymmetric(long[] hist, double[] edges, double percentile) {
        int right = searchSorted(cdf(hist), percentile / 100.0);
        return new double[] {-edges[right], edges[right]};
    }

    /** PercentileCalibrater over x: half of the cut off each tail. */
    static double[] percentileTwoSided(long[] hist, double[] edges, double percentile) {
        double[] cdf = cdf(hist);
        double cut = (100.0 - percentile) / 200.0;
        return new double[] {edges[searchSorted(cdf, cut)], edges[searchSorted(cdf, 1.0 - cut)]};
    }

    private static double[] cdf(long[] hist) {
        double total = 0;
        for (long h : hist) total += h;
        double[] c = new double[hist.length];
        double run = 0;
        for (int i = 0; i < hist.length; i++) { run += hist[i] / total; c[i] = run; }
        return c;
    }

    /** numpy.searchsorted (side left): the first index whose value is at least v. */
    private static int searchSorted(double[] sorted, double v) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /**
     * HistogramCollector.get_entropy_threshold: for each symmetric window of at least {@code quantizedBins}
     * bins around the centre, the reference p is the window with the outliers added to its end bins, the
     * candidate q its merge into {@code quantizedBins} bins spread back over p's non-empty bins (in integers,
     * as ONNX Runtime does); the window of least KL(p || q) after smoothing wins.
     */
    static double[] entropyThreshold(long[] hist, double[] edges, int quantizedBins) {
        int bins = hist.length, zero = bins / 2, half = quantizedBins / 2;
        double best = Double.POSITIVE_INFINITY;
        double[] threshold = null;
        for (int i = half; i <= zero; i++) {
            int start = zero - i, end = Math.min(zero + i + 1, bins), width = end - start;
            long[] p = java.util.Arrays.copyOfRange(hist, start, end);
            long left = 0, right = 0;
            for (int k = 0; k < start; k++) left += hist[k];
            for (int k = end; k < bins; k++) right += hist[k];
            long[] sliced = p.clone();
            p[0] += left;
            p[width - 1] += right;
            int merged = width / quantizedBins;
            long[] quantized = new long[quantizedBins];
            for (int b = 0; b < quantizedBins; b++) for (int k = b * merged; k < (b + 1) * merged; k++) quantized[b] += sliced[k];
            for (int k = quantizedBins * merged; k < width; k++) quantized[quantizedBins - 1] += sliced[k];
            long[] q = new long[width];
            for (int b = 0; b < quantizedBins; b++) {
                int norm = 0;
                for (int k = b * merged; k < (b + 1) * merged; k++) if (p[k] != 0) norm++;
                if (norm != 0) java.util.Arrays.fill(q, b * merged, (b + 1) * merged, (long) ((double) quantized[b] / norm));
            }
            double[] ps = smooth(p), qs = smooth(q);
            double kl = ps == null || qs == null ? Double.POSITIVE_INFINITY : klDivergence(ps, qs);
            if (threshold == null || kl < best) {
                best = kl;
                threshold = new double[] {edges[start], edges[end]};
            }
        }
        return threshold;
    }

    /** quant_utils.smooth_distribution: moves eps of mass onto empty bins; null when it cannot. */
    private static double[] smooth(long[] p) {
        final double eps = 0.0001;
        int zeros = 0;
        for (long v : p) if (v == 0) zeros++;
        int nonzeros = p.length - zeros;
        if (nonzeros == 0) return null;
        double eps1 = eps * zeros / nonzeros;
        if (eps1 >= 1.0) return null;
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) out[i] = p[i] == 0 ? eps : p[i] - eps1;
        return out;
    }

    /** scipy.stats.entropy(p, q): both normalised, sum of p log(p/q). */
    private static double klDivergence(double[] p, double[] q) {
        double sp = 0, sq = 0;
        for (int i = 0; i < p.length; i++) { sp += p[i]; sq += q[i]; }
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            double a = p[i] / sp, b = q[i] / sq;
            if (a > 0) kl += a * Math.log(a / b);
        }
        return kl;
    }
}
