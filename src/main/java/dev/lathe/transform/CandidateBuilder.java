package dev.lathe.transform;

import ai.onnxruntime.OrtException;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.pruning.ActivationStats;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.pruning.importance.ActivationImportance;
import dev.lathe.transform.pruning.importance.ImportanceCriterion;
import dev.lathe.transform.pruning.importance.MagnitudeImportance;
import dev.lathe.transform.pruning.importance.OptimalBrainSurgeonImportance;
import dev.lathe.transform.pruning.importance.SensitivityImportance;
import dev.lathe.transform.quantization.DynamicInt8Quantizer;
import dev.lathe.transform.quantization.Fp16Converter;
import dev.lathe.transform.quantization.Int4WeightQuantizer;
import dev.lathe.transform.quantization.QuantizationOptions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds a candidate from the original model and its genome, through an ordered list of stages: prune (rank
 * every group's units on the original weights, repair the consuming layers if asked, slice), drop blocks, smooth,
 * then each layer's precision. Static int8 comes first among the precisions, since its activation ranges are
 * calibrated on the pruned float graph; each precision touches only its own layers. Deterministic (given the same
 * calibration data), so a study only needs to keep the genome.
 */
public final class CandidateBuilder {
    /** Calibration samples used at most: a refit of a 1536-wide layer on MiniLM still gained from 256 to 400 sentences (0.917 to 0.926 cosine at half the feed-forward units); each costs one run of the original. */
    public static final int MAX_CALIBRATION_SAMPLES = 512;

    private final OnnxModel original;
    private final GroupFinder.Result analysis;
    private final ActivationStats stats;
    private final PruningOptions options;
    private final QuantizationOptions quantization;
    private final List<Map<String, TensorData>> calibration;
    private final PruneStage pruning;
    private final List<BuildStage> stages;

    private final ImportanceCriterion criterion;

    private CandidateBuilder(OnnxModel original, GroupFinder.Result analysis, PruningOptions options, QuantizationOptions quantization,
                             ActivationStats stats, List<Map<String, TensorData>> calibration) {
        this(original, analysis, options, quantization, stats, calibration, Map.of());
    }

    private CandidateBuilder(OnnxModel original, GroupFinder.Result analysis, PruningOptions options, QuantizationOptions quantization,
                             ActivationStats stats, List<Map<String, TensorData>> calibration, Map<String, double[]> knownRankings) {
        this.original = original;
        this.analysis = analysis;
        this.options = options;
        this.quantization = quantization;
        this.calibration = calibration;
        this.stats = stats;
        ImportanceCriterion activation = stats != null ? new ActivationImportance(stats) : new MagnitudeImportance();
        ImportanceCriterion criterion = switch (options.criterion()) {
            case "activation" -> activation;
            case "obs" -> stats != null ? new OptimalBrainSurgeonImportance(stats, activation, knownRankings) : activation;
            case "sensitivity" -> new SensitivityImportance(original, calibration, activation);
            default -> new MagnitudeImportance();
        };
        List<Map<String, TensorData>> samples = calibration.subList(0, Math.min(calibration.size(), quantization.calibrationSamples()));
        // One cache per builder: which units a keep ratio removes, and so every activation after, depends on the ranking.
        StructureCache structures = new StructureCache();
        this.criterion = criterion;
        this.pruning = new PruneStage(original, analysis, criterion, options, stats);
        this.stages = List.of(
                pruning,
                this::dropBlocks,
                new SmoothingStage(quantization, samples, structures, analysis.attention()),
                new StaticInt8Stage(quantization, samples, structures),
                // Smoothed weights have many rows near their column's maximum, which AVX2's saturating u8 x s8 kernels
                // (no VNNI) overflow with 8-bit weights; reduce-range keeps them to 7 bits. Without smoothing int8 stays
                // 8-bit, as studies made before smoothing were built.
                d -> DynamicInt8Quantizer.quantize(d.graph, d.genome.layersAt(Precision.INT8), false,
                        quantization.smoothing() ? quantization.weightLimit() : 127),
                d -> Int4WeightQuantizer.quantize(d.graph, int4BlockSizes(d.genome)),
                d -> Fp16Converter.convert(d.graph, d.genome.layersAt(Precision.FP16)));
    }

    /** Magnitude ranking, no repair: needs no data. */
    public CandidateBuilder(OnnxModel original) {
        this(original, GroupFinder.analyze(original), PruningOptions.MAGNITUDE, QuantizationOptions.DEFAULT, null, List.of());
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
        GroupFinder.Result analysis = GroupFinder.analyze(original);
        ActivationStats stats = null;
        List<Map<String, TensorData>> used = calibration == null ? List.of()
                : List.copyOf(calibration.subList(0, Math.min(MAX_CALIBRATION_SAMPLES, calibration.size())));
        if (options.needsCalibration() && !used.isEmpty()) stats = ActivationStats.collect(original, analysis.groups(), used);
        return new CandidateBuilder(original, analysis,
                stats == null ? options.uncalibrated() : options, quantization, stats, used);
    }

    /**
     * A builder from statistics gathered before on the same original and calibration samples (the first
     * {@link #MAX_CALIBRATION_SAMPLES} of {@code calibration} are used, as in {@link #create}), and the Optimal Brain
     * Surgeon paths walked on them ({@link #rankings()}): it builds exactly what a freshly created builder builds.
     */
    public static CandidateBuilder prepared(OnnxModel original, PruningOptions options, QuantizationOptions quantization,
                                            List<Map<String, TensorData>> calibration, ActivationStats stats, Map<String, double[]> rankings) {
        List<Map<String, TensorData>> used = List.copyOf(calibration.subList(0, Math.min(MAX_CALIBRATION_SAMPLES, calibration.size())));
        return new CandidateBuilder(original, GroupFinder.analyze(original), stats == null ? options.uncalibrated() : options, quantization,
                stats, used, rankings);
    }

    /** The calibration statistics this builder ranks and refits with; null without calibration data. */
    public ActivationStats stats() { return stats; }

    /**
     * The Optimal Brain Surgeon scores of every group, walked now where not yet (about a second per 1536-unit layer),
     * by group id; empty for other criteria. They depend only on the original weights and the statistics.
     */
    public Map<String, double[]> rankings() {
        if (!(criterion instanceof OptimalBrainSurgeonImportance obs)) return Map.of();
        MutableGraph g = MutableGraph.of(original);
        for (PrunableGroup group : analysis.groups()) obs.score(group, g);
        return obs.orders();
    }

    /** Refits reused and made so far ({@link dev.lathe.transform.pruning.RefitCache}). */
    public long[] refitCounts() { return new long[] {pruning.refits().hits(), pruning.refits().misses()}; }

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
        return new Plan(pruning.keptUnits(genome));
    }

    public OnnxModel build(Genome genome) {
        for (Map.Entry<String, Precision> e : genome.precisions().entrySet()) {
            var layer = analysis.quantizable().stream().filter(q -> q.id().equals(e.getKey())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("genome sets the precision of layer '" + e.getKey() + "', which this model does not have"));
            if (!e.getValue().supports(layer.opType()))
                throw new IllegalArgumentException("layer '" + e.getKey() + "' is a " + layer.opType() + ", which cannot run at " + e.getValue());
        }
        CandidateDraft draft = new CandidateDraft(MutableGraph.of(original), genome);
        for (BuildStage stage : stages) stage.apply(draft);
        OnnxModel built = OnnxModel.of(draft.graph.toModel());
        if (!genome.layersAt(Precision.FP16).isEmpty()) requireCpuKernels(built);
        return built;
    }

    private void dropBlocks(CandidateDraft draft) {
        for (String id : draft.genome.droppedBlocks()) {
            var block = analysis.block(id).orElseThrow(() -> new IllegalArgumentException("genome drops block '" + id + "', which this model does not have"));
            draft.graph.bypass(block.output(), block.input());
        }
    }

    private static Map<String, Integer> int4BlockSizes(Genome genome) {
        Map<String, Integer> int4 = new LinkedHashMap<>();
        genome.precisions().forEach((layer, p) -> { if (p.isInt4()) int4.put(layer, p.blockSize()); });
        return int4;
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

    public List<PrunableGroup> groups() { return analysis.groups(); }
}
