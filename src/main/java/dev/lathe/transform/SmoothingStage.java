package dev.lathe.transform;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.TensorData;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.quantization.ActivationCalibrator;
import dev.lathe.transform.quantization.QuantizationOptions;
import dev.lathe.transform.quantization.SmoothQuant;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * SmoothQuant on the int8 and int8_static MatMul/Gemm layers when the options ask for it, with channel maxima
 * measured on the pruned float graph (once per structure, see {@link StructureCache}).
 */
final class SmoothingStage implements BuildStage {
    private final QuantizationOptions options;
    private final List<Map<String, TensorData>> samples;
    private final StructureCache cache;
    private final List<PrunableGroup> attention;

    /** {@code attention}: the original's attention groups, whose value projections absorb the factors of merged heads. */
    SmoothingStage(QuantizationOptions options, List<Map<String, TensorData>> samples, StructureCache cache, List<PrunableGroup> attention) {
        this.options = options;
        this.samples = samples;
        this.cache = cache;
        this.attention = attention;
    }

    @Override
    public void apply(CandidateDraft draft) {
        if (!options.smoothing()) return;
        Set<String> quantized = new TreeSet<>(draft.genome.layersAt(Precision.INT8));
        quantized.addAll(draft.genome.layersAt(Precision.INT8_STATIC));
        Set<String> others = new HashSet<>(draft.genome.precisions().keySet());
        others.removeAll(quantized);
        SmoothQuant.Plan plan = SmoothQuant.plan(draft.graph, quantized, others, attention);
        if (plan.isEmpty()) return;
        if (samples.isEmpty())
            throw new IllegalArgumentException("SmoothQuant needs calibration data to measure activation channels, and none was given (give --data)");
        Map<String, Integer> widths = plan.widths();
        Map<String, float[]> maxima = StructureCache.complete(cache.of(draft.structure()).channelMaxima, widths.keySet(), missing -> {
            Map<String, Integer> needed = new LinkedHashMap<>();
            missing.forEach(t -> needed.put(t, widths.get(t)));
            return ActivationCalibrator.channelMaxima(draft.graph, needed, samples);
        }, "measuring activation channels for SmoothQuant");
        SmoothQuant.apply(draft.graph, plan, maxima, options.smoothAlpha());
        draft.smoothedLayers = String.join(",", plan.layers());
    }
}
