package dev.lathe.transform;

import dev.lathe.model.MutableGraph;
import dev.lathe.model.TensorData;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.quantization.ActivationCalibrator;
import dev.lathe.transform.quantization.QuantizationOptions;
import dev.lathe.transform.quantization.StaticInt8Quantizer;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static int8 on the genome's int8_static layers, with activation ranges calibrated on the pruned (and smoothed)
 * float graph. It runs before the other precisions, whose layers it would otherwise see already converted.
 */
final class StaticInt8Stage implements BuildStage {
    private final QuantizationOptions options;
    private final List<Map<String, TensorData>> samples;
    private final StructureCache cache;

    StaticInt8Stage(QuantizationOptions options, List<Map<String, TensorData>> samples, StructureCache cache) {
        this.options = options;
        this.samples = samples;
        this.cache = cache;
    }

    @Override
    public void apply(CandidateDraft draft) {
        Set<String> layers = draft.genome.layersAt(Precision.INT8_STATIC);
        if (layers.isEmpty()) return;
        if (samples.isEmpty())
            throw new IllegalArgumentException("int8_static layers need calibration data to set activation ranges, and this study has none (give --data)");
        MutableGraph g = draft.graph;
        StaticInt8Quantizer.requirePerChannelOpset(g);
        // Ranges always come from the unfolded graph (every tensor named after folding exists there with the
        // same values), so cached and fresh ranges agree to the bit whichever genome filled the cache. A tensor's
        // range does not depend on which layers are quantized (all are calibrated in float), only on the structure
        // and on which layers were smoothed.
        MutableGraph unfolded = new MutableGraph(g.toModel());
        StaticInt8Quantizer.foldBatchNorms(g, layers);
        Set<String> tensors = StaticInt8Quantizer.tensorsToCalibrate(g, layers);
        Map<String, ActivationCalibrator.Range> ranges = StructureCache.complete(cache.of(draft.structure()).ranges(draft.smoothedLayers), tensors,
                missing -> ActivationCalibrator.calibrate(unfolded, missing, samples, options), "calibrating activation ranges");
        StaticInt8Quantizer.quantize(g, layers, ranges, options);
    }
}
