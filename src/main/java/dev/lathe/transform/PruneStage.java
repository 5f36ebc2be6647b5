package dev.lathe.transform;

import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.ActivationStats;
import dev.lathe.transform.pruning.RefitCache;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.pruning.StructuredPruner;
import dev.lathe.transform.pruning.importance.ImportanceCriterion;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Ranks every group's units on the original weights, refits the layers reading them if the options ask for it, and
 * removes the units the genome's keep ratios drop. Refits are reused across candidates ({@link RefitCache}).
 */
final class PruneStage implements BuildStage {
    private final OnnxModel original;
    private final GroupFinder.Result analysis;
    private final ImportanceCriterion criterion;
    private final PruningOptions options;
    private final ActivationStats stats;
    /** The original's graph, so the refit cache can tell an untouched consumer (same weight objects) from a refitted one. */
    private final MutableGraph originalGraph;
    private final RefitCache refits = new RefitCache();

    PruneStage(OnnxModel original, GroupFinder.Result analysis, ImportanceCriterion criterion, PruningOptions options, ActivationStats stats) {
        this.original = original;
        this.analysis = analysis;
        this.criterion = criterion;
        this.options = options;
        this.stats = stats;
        this.originalGraph = MutableGraph.of(original);
    }

    RefitCache refits() { return refits; }

    /** The units kept per group, for groups that lose any; a group the model lacks is an error naming it. */
    Map<String, int[]> keptUnits(Genome genome) {
        MutableGraph g = MutableGraph.of(original);
        Map<String, int[]> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : genome.keepRatios().entrySet()) {
            PrunableGroup group = analysis.group(e.getKey())
                    .orElseThrow(() -> new IllegalArgumentException("genome names group '" + e.getKey() + "', which this model does not have"));
            int k = StructuredPruner.keptUnits(group, e.getValue(), options.unitMultiple());
            if (k < group.size()) kept.put(group.id(), StructuredPruner.choose(criterion.score(group, g), k));
        }
        return kept;
    }

    @Override
    public void apply(CandidateDraft draft) {
        Map<String, int[]> kept = keptUnits(draft.genome);
        // Every refit before any slicing: a layer two groups share keeps its full width until both are refitted.
        if (!options.repair().equals("none") && stats != null) {
            // Groups whose consumer no other kept group shares are refitted ahead, side by side (the worker is idle while building).
            Map<String, Integer> readers = new java.util.HashMap<>();
            for (String id : kept.keySet()) {
                var c = analysis.group(id).orElseThrow().consumer();
                if (c != null) readers.merge(c.weight(), 1, Integer::sum);
            }
            Map<PrunableGroup, int[]> alone = new LinkedHashMap<>();
            kept.forEach((id, units) -> {
                PrunableGroup g = analysis.group(id).orElseThrow();
                if (g.consumer() != null && readers.get(g.consumer().weight()) == 1) alone.put(g, units);
            });
            refits.prefetch(originalGraph, alone, stats);
            for (Map.Entry<String, int[]> e : kept.entrySet())
                refits.repair(draft.graph, originalGraph, analysis.group(e.getKey()).orElseThrow(), e.getValue(), stats);
        }
        for (Map.Entry<String, int[]> e : kept.entrySet())
            StructuredPruner.prune(draft.graph, analysis.group(e.getKey()).orElseThrow(), e.getValue());
    }
}
