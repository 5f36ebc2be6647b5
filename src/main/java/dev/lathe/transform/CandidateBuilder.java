package dev.lathe.transform;

import ai.onnxruntime.OrtException;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;

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
    private final List<Map<String, TensorData>> calibration;

    private CandidateBuilder(OnnxModel original, GroupFinder.Result analysis, PruningOptions options, ActivationStats stats,
                             List<Map<String, TensorData>> calibration) {
        this.original = original;
        this.analysis = analysis;
        this.options = options;
        this.stats = stats;
        this.calibration = calibration;
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
        this(original, GroupFinder.analyze(MutableGraph.of(original)), PruningOptions.MAGNITUDE, null, List.of());
    }

    /** Gathers calibration statistics when the options need them (one run of the original per sample). */
    public static CandidateBuilder create(OnnxModel original, PruningOptions options, List<Map<String, TensorData>> calibration) throws OrtException {
        GroupFinder.Result analysis = GroupFinder.analyze(MutableGraph.of(original));
        ActivationStats stats = null;
        List<Map<String, TensorData>> used = calibration == null ? List.of()
                : List.copyOf(calibration.subList(0, Math.min(MAX_CALIBRATION_SAMPLES, calibration.size())));
        if (options.needsCalibration() && !used.isEmpty()) stats = ActivationStats.collect(original, analysis.groups(), used);
        return new CandidateBuilder(original, analysis,
                stats == null ? new PruningOptions("magnitude", "none", options.unitMultiple()) : options, stats, used);
    }

    /**
     * The same model and calibration statistics ranked and repaired another way, without gathering the
     * statistics again (comparisons of criteria). Without statistics the result is magnitude-only, as in {@link #create}.
     */
    public CandidateBuilder withOptions(PruningOptions other) {
        return new CandidateBuilder(original, analysis,
                stats == null ? new PruningOptions("magnitude", "none", other.unitMultiple()) : other, stats, calibration);
    }

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
        for (String layer : genome.int8Layers())
            if (analysis.quantizable().stream().noneMatch(q -> q.id().equals(layer)))
                throw new IllegalArgumentException("genome quantizes layer '" + layer + "', which this model does not have");
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
        DynamicInt8Quantizer.quantize(g, genome.int8Layers());
        return OnnxModel.of(g.toModel());
    }

    public List<PrunableGroup> groups() { return analysis.groups(); }
}
