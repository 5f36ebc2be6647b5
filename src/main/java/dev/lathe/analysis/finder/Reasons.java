package dev.lathe.analysis.finder;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.analysis.UnprunableStructure;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Why structures were left out, by node, in the order the finders met them: the one place that turns what the
 * finders could not take, and the weighted layers no group covers, into {@link UnprunableStructure}s.
 */
public final class Reasons {
    private final Map<String, String> byNode = new LinkedHashMap<>();

    /** Records the reason for {@code node}, replacing an earlier one. */
    public void put(String node, String reason) {
        byNode.put(node, reason);
    }

    /** Records the reason for {@code node} unless one is already known (the first failure is the telling one). */
    public void note(String node, String reason) {
        byNode.putIfAbsent(node, reason);
    }

    /**
     * Every structure the finders noted, then every MatMul/Gemm layer that no group covers, with its reason (or the
     * general one). Convolutions report through their channel groups.
     */
    public List<UnprunableStructure> unprunable(List<PrunableGroup> groups, List<QuantizableLayer> quantizable) {
        Set<String> covered = new HashSet<>();
        for (PrunableGroup g : groups) for (PrunableGroup.TensorSlice s : g.slices()) covered.add(s.initializer());
        Set<String> layerIds = new HashSet<>();
        quantizable.forEach(q -> { if (!q.convolution()) layerIds.add(q.id()); }); // reported in the loop below
        List<UnprunableStructure> out = new ArrayList<>();
        byNode.forEach((node, reason) -> { if (!layerIds.contains(node)) out.add(new UnprunableStructure(node, reason)); });
        for (QuantizableLayer q : quantizable) {
            if (covered.contains(q.weight()) || q.convolution()) continue;
            out.add(new UnprunableStructure(q.id(), byNode.getOrDefault(q.id(),
                    "its output units do not feed another weighted layer through element-wise operators only")));
        }
        return out;
    }
}
