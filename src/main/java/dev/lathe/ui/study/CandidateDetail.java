package dev.lathe.ui.study;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.study.CandidateRecord;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.StructuredPruner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the detail panel shows about one candidate, computed once from its record, its genome, the
 * model's prunable groups and the original's figures; {@code precisions} lists the layers not left in float32. {@code groups} lists every group of the model, pruned
 * or not; when the model's groups are unknown (its file moved) only the pruned ones appear, without sizes.
 */
public record CandidateDetail(CandidateRecord record, boolean pareto, boolean original, Double speedup, Double sizeShare,
                              List<GroupKeep> groups, Map<String, String> precisions, boolean groupSizesKnown) {

    /** A group's share of units kept: {@code kept} of {@code of} (both -1 when the group's size is unknown). */
    public record GroupKeep(String id, String name, String kind, double ratio, int kept, int of) {
        public boolean pruned() { return ratio < 1.0; }
    }

    public long id() { return record.id(); }

    /** Layer to precision id, in layer order; float32 layers are left out. */
    private static Map<String, String> precisions(Genome g) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (g != null) g.precisions().forEach((layer, p) -> out.put(layer, p.id()));
        return java.util.Collections.unmodifiableMap(out);
    }

    public static CandidateDetail of(CandidateRow row, List<PrunableGroup> modelGroups, CandidateRecord originalRecord) {
        CandidateRecord r = row.record();
        Genome g = row.genome();
        List<GroupKeep> keeps = new ArrayList<>();
        boolean known = modelGroups != null && !modelGroups.isEmpty();
        Map<String, Double> ratios = g == null ? Map.of() : g.keepRatios();
        if (known) {
            for (PrunableGroup pg : modelGroups) {
                double ratio = ratios.getOrDefault(pg.id(), 1.0);
                keeps.add(new GroupKeep(pg.id(), pg.name(), pg.kind().id(), ratio, StructuredPruner.keptUnits(pg, ratio), pg.size()));
            }
            for (Map.Entry<String, Double> e : ratios.entrySet()) // a genome naming groups the model lacks (other model)
                if (modelGroups.stream().noneMatch(pg -> pg.id().equals(e.getKey())))
                    keeps.add(new GroupKeep(e.getKey(), e.getKey(), "?", e.getValue(), -1, -1));
        } else {
            ratios.forEach((id, ratio) -> keeps.add(new GroupKeep(id, id, "?", ratio, -1, -1)));
        }
        // A dropped whole block shows as a group that keeps nothing of its one unit.
        if (g != null) for (String block : g.droppedBlocks()) keeps.add(new GroupKeep(block, block, "block", 0.0, 0, 1));
        Double sizeShare = null;
        if (originalRecord != null && originalRecord.sizeBytes() != null && r.sizeBytes() != null && originalRecord.sizeBytes() > 0)
            sizeShare = r.sizeBytes() / (double) originalRecord.sizeBytes();
        return new CandidateDetail(r, row.isPareto(), row.isOriginal(), row.speedup(), sizeShare, List.copyOf(keeps),
                precisions(g), known);
    }
}
