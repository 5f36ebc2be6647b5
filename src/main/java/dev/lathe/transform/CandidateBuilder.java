package dev.lathe.transform;

import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds a candidate from the original model and its genome: rank every group's units on the original
 * weights, prune, then quantize what remains. Deterministic, so a study only needs to keep the genome.
 */
public final class CandidateBuilder {
    private final OnnxModel original;
    private final GroupFinder.Result analysis;
    private final ImportanceCriterion criterion;

    public CandidateBuilder(OnnxModel original, GroupFinder.Result analysis, ImportanceCriterion criterion) {
        this.original = original;
        this.analysis = analysis;
        this.criterion = criterion;
    }

    public CandidateBuilder(OnnxModel original) {
        this(original, GroupFinder.analyze(MutableGraph.of(original)), new MagnitudeImportance());
    }

    public GroupFinder.Result analysis() { return analysis; }

    /** What the builder decided, for reports: units kept per group. */
    public record Plan(Map<String, int[]> keptUnits) {}

    public Plan plan(Genome genome) {
        MutableGraph g = MutableGraph.of(original);
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : genome.keepRatios().entrySet()) {
            PrunableGroup group = analysis.group(e.getKey())
                    .orElseThrow(() -> new IllegalArgumentException("genome names group '" + e.getKey() + "', which this model does not have"));
            int k = StructuredPruner.keptUnits(group, e.getValue());
            if (k < group.size()) kept.put(group.id(), StructuredPruner.choose(criterion.score(group, g), k));
        }
        return new Plan(kept);
    }

    public OnnxModel build(Genome genome) {
        Plan plan = plan(genome);
        MutableGraph g = MutableGraph.of(original);
        for (Map.Entry<String, int[]> e : plan.keptUnits().entrySet())
            StructuredPruner.prune(g, analysis.group(e.getKey()).orElseThrow(), e.getValue());
        for (String layer : genome.int8Layers())
            if (analysis.quantizable().stream().noneMatch(q -> q.id().equals(layer)))
                throw new IllegalArgumentException("genome quantizes layer '" + layer + "', which this model does not have");
        DynamicInt8Quantizer.quantize(g, genome.int8Layers());
        return OnnxModel.of(g.toModel());
    }

    public List<PrunableGroup> groups() { return analysis.groups(); }
}
