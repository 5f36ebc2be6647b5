package dev.lathe.transform;

import ai.onnxruntime.OrtException;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.pruning.ActivationStats;
import dev.lathe.transform.pruning.LeastSquaresRepair;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.pruning.StructuredPruner;
import dev.lathe.transform.pruning.importance.ActivationImportance;
import dev.lathe.transform.pruning.importance.ImportanceCriterion;
import dev.lathe.transform.pruning.importance.MagnitudeImportance;
import dev.lathe.transform.pruning.importance.OptimalBrainSurgeonImportance;
import dev.lathe.transform.pruning.importance.SensitivityImportance;
import dev.lathe.transform.quantization.ActivationCalibrator;
import dev.lathe.transform.quantization.DynamicInt8Quantizer;
import dev.lathe.transform.quantization.Fp16Converter;
import dev.lathe.transform.quantization.Int4WeightQuantizer;
import dev.lathe.transform.quantization.QuantizationOptions;
import dev.lathe.transform.quantization.SmoothQuant;
import dev.lathe.transform.quantization.StaticInt8Quantizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds a candidate from the original model and its genome: rank every group's units on the original
 * weights, repair the consuming layers if asked, prune, then quantize what remains. Deterministic (given the
 * same calibration data), so a study only needs to keep the genome.
 */
public final class CandidateBuilder {
    /** Calibration samples used at most: a refit of a 1536-wide layer on MiniLM still gained from 256 to 400 sentences (0.917 to 0.926 cosine at half the feed-forward units); each costs one run of the original. */
    public static final int MAX_CALIBRATION_SAMPLES = 512;

    private final OnnxModel original;
    private final GroupFinder.Result analysis;
    private final ImportanceCriterion criterion;
    private final ActivationStats stats;
    private final PruningOptions options;
    private final QuantizationOptions quantization;
    private final List<Map<String, TensorData>> calibration;
    /** Calibrated activation ranges per pruned structure (keep ratios and dropped blocks), filled as layers need them. */
    private final Map<String, Map<String, ActivationCalibrator.Range>> ranges = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, ActivationCalibrator.Range>> eldest) { return size() > 16; }
    };

    /** Per-channel maxima of smoothed layers' inputs per pruned structure (SmoothQuant), measured before smoothing. */
    private final Map<String, Map<String, float[]>> channelMaxima = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, float[]>> eldest) { return size() > 16; }
    };

    private CandidateBuilder(OnnxModel original, GroupFinder.Result analysis, PruningOptions options, QuantizationOptions quantization,
                             ActivationStats stats, List<Map<String, TensorData>> calibration) {
        this.original = original;
        this.analysis = analysis;
        this.options = options;
        this.quantization = quantization;
        this.calibration = calibration;
        this.stats = stats;
        ImportanceCriterion activation = stats != null ? new ActivationImportance(stats) : new MagnitudeImportance();
        this.criterion = switch (options.criterion()) {
            case "activation" -> activation;
            case "obs" -> stats != null ? new OptimalBrainSurgeonImportance(stats, activation) : activation;
            case "sensitivity" -> new SensitivityImportance(original, calibration, activation);
            default -> new MagnitudeImportance();
        };
    }

    /** Magnitude ranking, no repair: needs no data. */
    public CandidateBuilder(OnnxModel original) {
        this(original, GroupFinder.analyze(MutableGraph.of(original)), PruningOptions.MAGNITUDE, QuantizationOptions.DEFAULT, null, List.of());
    }

    /** Gathers calibration statistics when the options need them (one run of the original per sample). */
    public static CandidateBuilder create(OnnxModel original, PruningOptions options, List<Map<String, TensorData>> calibration) throws OrtException {
        return create(original, options, QuantizationOptions.DEFAULT, calibration);
    }

    /**
     * As {@link #create(OnnxModel, PruningOptions, List)}, with the settings int8 static quantization calibrates
     * with (on the same calibration samples, run through each pruned structure when a genome first needs it).
     */
    public static CandidateBuilder create(OnnxModel original, PruningOptions options, QuantizationOptions quantization,
                                          List<Map<String, TensorData>> calibration) throws OrtException {
        GroupFinder.Result analysis = GroupFinder.analyze(MutableGraph.of(original));
        ActivationStats stats = null;
        List<Map<String, TensorData>> used = calibration == null ? List.of()
                : List.copyOf(calibration.subList(0, Math.min(MAX_CALIBRATION_SAMPLES, calibration.size())));
        if (options.needsCalibration() && !used.isEmpty()) stats = ActivationStats.collect(original, analysis.groups(), used);
        return new CandidateBuilder(original, analysis,
                stats == null ? options.uncalibrated() : options, quantization, stats, used);
    }

    /**
     * The same model and calibration statistics ranked and repaired another way, without gathering the
     * statistics again (comparisons of criteria). Without statistics the result is magnitude-only, as in {@link #create}.
     */
    public CandidateBuilder withOptions(PruningOptions other) {
        return new CandidateBuilder(original, analysis,
                stats == null ? other.uncalibrated() : other, quantization, stats, calibration);
    }

    public QuantizationOptions quantization() { return quantization; }

    /** Whether int8 static layers (and SmoothQuant) can be calibrated (the builder was given calibration samples). */
    public boolean canCalibrate() { return !calibration.isEmpty(); }

    public GroupFinder.Result analysis() { return analysis; }

    /** The options in effect: calibrated ones fall back to magnitude when there was no data. */
    public PruningOptions options() { return options; }

    /** What the builder decided, for reports: units kept per group. */
    public record Plan(Map<String, int[]> keptUnits) {}

    public Plan plan(Genome genome) {
        MutableGraph g = MutableGraph.of(original);
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : genome.keepRatios().entrySet()) {
            PrunableGroup group = analysis.group(e.getKey())
                    .orElseThrow(() -> new IllegalArgumentException("genome names group '" + e.getKey() + "', which this model does not have"));
            int k = StructuredPruner.keptUnits(group, e.getValue(), options.unitMultiple());
            if (k < group.size()) kept.put(group.id(), StructuredPruner.choose(criterion.score(group, g), k));
        }
        return new Plan(kept);
    }

    public OnnxModel build(Genome genome) {
        for (Map.Entry<String, Precision> e : genome.precisions().entrySet()) {
            var layer = analysis.quantizable().stream().filter(q -> q.id().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("genome sets the precision of layer '" + e.getKey() + "', which this model does not have"));
            if (!e.getValue().supports(layer.opType()))
                throw new IllegalArgumentException("layer '" + e.getKey() + "' is a " + layer.opType() + ", which cannot run at " + e.getValue());
        }
        Plan plan = plan(genome);
        MutableGraph g = MutableGraph.of(original);
        // Repairs first, all in the original coordinates, so that groups sharing a layer compose.
        if (!options.repair().equals("none") && stats != null)
            for (Map.Entry<String, int[]> e : plan.keptUnits().entrySet())
                LeastSquaresRepair.repair(g, analysis.group(e.getKey()).orElseThrow(), e.getValue(), stats);
        for (Map.Entry<String, int[]> e : plan.keptUnits().entrySet())
            StructuredPruner.prune(g, analysis.group(e.getKey()).orElseThrow(), e.getValue());
        for (String id : genome.droppedBlocks()) {
            var block = analysis.block(id).orElseThrow(() -> new IllegalArgumentException("genome drops block '" + id + "', which this model does not have"));
            g.bypass(block.output(), block.input());
        }
        applyPrecisions(g, genome);
        OnnxModel built = OnnxModel.of(g.toModel());
        if (!genome.layersAt(Precision.FP16).isEmpty()) requireCpuKernels(built);
        return built;
    }

    /** Opens a CPU session on a float16 candidate: missing kernels show here, named, instead of as a failed measurement. */
    private static void requireCpuKernels(OnnxModel candidate) {
        try (var ignored = dev.lathe.model.OrtRunner.of(candidate, dev.lathe.model.OrtRunner.RunnerSettings.cpu(1))) {
            // created: every operator has a CPU kernel (ONNX Runtime inserts casts where it runs float16 in float32)
        } catch (OrtException e) {
            throw new GpuOnlyException("GPU-only: ONNX Runtime's CPU provider cannot run this float16 candidate ("
                    + e.getMessage().replace('\n', ' ') + "); measure it with the CUDA provider", e);
        }
    }

    /**
     * Each layer's precision, on the pruned graph: static int8 first, since its activation ranges are calibrated
     * on the pruned float graph, then the transforms that need no data. Each touches only its own layers.
     */
    private void applyPrecisions(MutableGraph g, Genome genome) {
        java.util.Set<String> staticLayers = genome.layersAt(Precision.INT8_STATIC);
        String smoothed = smooth(g, genome);
        if (!staticLayers.isEmpty()) {
            if (calibration.isEmpty())
                throw new IllegalArgumentException("int8_static layers need calibration data to set activation ranges, and this study has none (give --data)");
            StaticInt8Quantizer.requirePerChannelOpset(g);
            // Ranges always come from the unfolded graph (every tensor named after folding exists there with the
            // same values), so cached and fresh ranges agree to the bit whichever genome filled the cache.
            MutableGraph unfolded = new MutableGraph(g.toModel());
            StaticInt8Quantizer.foldBatchNorms(g, staticLayers);
            java.util.Set<String> tensors = StaticInt8Quantizer.tensorsToCalibrate(g, staticLayers);
            StaticInt8Quantizer.quantize(g, staticLayers, calibratedRanges(unfolded, genome, smoothed, tensors), quantization);
        }
        // Smoothed weights have many rows near their column's maximum, which AVX2's saturating u8 x s8 kernels
        // (no VNNI) overflow with 8-bit weights; reduce-range keeps them to 7 bits. Without smoothing int8 stays 8-bit,
        // as studies made before smoothing were built.
        DynamicInt8Quantizer.quantize(g, genome.layersAt(Precision.INT8), false,
                quantization.smoothing() ? quantization.weightLimit() : 127);
        Map<String, Integer> int4 = new LinkedHashMap<>();
        genome.precisions().forEach((layer, p) -> { if (p.isInt4()) int4.put(layer, p.blockSize()); });
        Int4WeightQuantizer.quantize(g, int4);
        Fp16Converter.convert(g, genome.layersAt(Precision.FP16));
    }

    /**
     * SmoothQuant on the int8 and int8_static MatMul/Gemm layers when the options ask for it, with channel maxima
     * measured on this pruned float graph (cached per structure, like ranges). Returns the smoothed layers, sorted
     * and joined ("" when none): smoothed tensors' values depend on exactly that set.
     */
    private String smooth(MutableGraph g, Genome genome) {
        if (!quantization.smoothing()) return "";
        java.util.Set<String> quantized = new java.util.TreeSet<>(genome.layersAt(Precision.INT8));
        quantized.addAll(genome.layersAt(Precision.INT8_STATIC));
        java.util.Set<String> others = new java.util.HashSet<>(genome.precisions().keySet());
        others.removeAll(quantized);
        SmoothQuant.Plan plan = SmoothQuant.plan(g, quantized, others);
        if (plan.isEmpty()) return "";
        if (calibration.isEmpty())
            throw new IllegalArgumentException("SmoothQuant needs calibration data to measure activation channels, and none was given (give --data)");
        String structure = GenomeJson.write(genome.withPrecisions(Map.of()));
        Map<String, float[]> known = channelMaxima.computeIfAbsent(structure, k -> new java.util.HashMap<>());
        Map<String, Integer> missing = new LinkedHashMap<>(plan.widths());
        missing.keySet().removeAll(known.keySet());
        if (!missing.isEmpty()) {
            List<Map<String, TensorData>> samples = calibration.subList(0, Math.min(calibration.size(), quantization.calibrationSamples()));
            try {
                known.putAll(ActivationCalibrator.channelMaxima(g, missing, samples));
            } catch (OrtException e) {
                throw new IllegalStateException("measuring activation channels for SmoothQuant failed: " + e.getMessage(), e);
            }
        }
        SmoothQuant.apply(g, plan, known, quantization.smoothAlpha());
        return String.join(",", plan.layers());
    }

    /**
     * Ranges of the tensors on the calibration samples, run through this pruned structure. A tensor's range does
     * not depend on which layers are quantized (all are calibrated in float), so genomes that share keep ratios
     * and dropped blocks share ranges, unless smoothing changed the tensors: then they share them with genomes that
     * smoothed the same layers.
     */
    private Map<String, ActivationCalibrator.Range> calibratedRanges(MutableGraph g, Genome genome, String smoothed, java.util.Set<String> tensors) {
        String structure = GenomeJson.write(genome.withPrecisions(Map.of())) + (smoothed.isEmpty() ? "" : " smoothed " + smoothed);
        Map<String, ActivationCalibrator.Range> known = ranges.computeIfAbsent(structure, k -> new java.util.HashMap<>());
        List<String> missing = tensors.stream().filter(t -> !known.containsKey(t)).toList();
        if (!missing.isEmpty()) {
            List<Map<String, TensorData>> samples = calibration.subList(0, Math.min(calibration.size(), quantization.calibrationSamples()));
            try {
                known.putAll(ActivationCalibrator.calibrate(g, missing, samples, quantization));
            } catch (OrtException e) {
                throw new IllegalStateException("calibrating activation ranges failed: " + e.getMessage(), e);
            }
        }
        return known;
    }

    public List<PrunableGroup> groups() { return analysis.groups(); }
}
