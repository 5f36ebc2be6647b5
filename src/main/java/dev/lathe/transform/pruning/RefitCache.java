package dev.lathe.transform.pruning;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The least-squares refits of a search, kept per (group, kept units): a group pruned to the same units is refitted to
 * the same weights whatever else the genome says, since the refit reads only the original consumer weights and the
 * calibration statistics. A refit is reused only when the consumer in the draft still holds the original weights (a
 * layer two groups share is refitted fresh for the second one). The newest refits are kept up to a memory bound.
 */
public final class RefitCache {
    /** A MiniLM feed-forward output layer is 2.4 MB; this keeps about a hundred of them. */
    static final long MAX_BYTES = 256L << 20;

    private record Refit(TensorProto weight, TensorProto bias, long bytes) {}

    private final Map<String, Refit> refits = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits, misses;

    /**
     * Refits {@code group}'s consumer for {@code keptUnits} in {@code graph} ({@link LeastSquaresRepair#repair}), or
     * writes the stored refit when it was made before from the same {@code original} weights.
     */
    public synchronized void repair(MutableGraph graph, MutableGraph original, PrunableGroup group, int[] keptUnits, ActivationStats stats) {
        PrunableGroup.Consumer c = group.consumer();
        boolean pristine = c != null && graph.initializer(c.weight()) == original.initializer(c.weight())
                && (c.bias() == null || graph.initializer(c.bias()) == original.initializer(c.bias()));
        if (!pristine) {
            LeastSquaresRepair.repair(graph, group, keptUnits, stats);
            return;
        }
        String key = key(group, keptUnits);
        Refit known = refits.get(key);
        if (known != null) {
            hits++;
            graph.putInitializer(known.weight);
            if (known.bias != null) graph.putInitializer(known.bias);
            return;
        }
        LeastSquaresRepair.repair(graph, group, keptUnits, stats);
        store(key, graph.initializer(c.weight()), c.bias() == null ? null : graph.initializer(c.bias()));
    }

    /**
     * Makes the refits of {@code wanted} (group to kept units) that are not stored yet, in parallel, each on its own
     * copy of {@code original}: they are independent when no two of them refit the same consumer, which the caller
     * ensures. Each refit is the same computation as in {@link #repair}, so the weights do not depend on the threads.
     */
    public void prefetch(MutableGraph original, Map<PrunableGroup, int[]> wanted, ActivationStats stats) {
        java.util.List<Map.Entry<PrunableGroup, int[]>> missing;
        synchronized (this) {
            missing = wanted.entrySet().stream().filter(e -> e.getKey().consumer() != null)
                    .filter(e -> !refits.containsKey(key(e.getKey(), e.getValue()))).toList();
        }
        if (missing.size() < 2) return; // nothing to overlap: repair makes it in place
        missing.parallelStream().forEach(e -> {
            MutableGraph scratch = new MutableGraph(original.original());
            LeastSquaresRepair.repair(scratch, e.getKey(), e.getValue(), stats);
            PrunableGroup.Consumer c = e.getKey().consumer();
            store(key(e.getKey(), e.getValue()), scratch.initializer(c.weight()), c.bias() == null ? null : scratch.initializer(c.bias()));
        });
    }

    private static String key(PrunableGroup group, int[] keptUnits) {
        return group.id() + "|" + Arrays.toString(keptUnits);
    }

    private synchronized void store(String key, TensorProto w, TensorProto b) {
        misses++;
        long size = w.getSerializedSize() + (b == null ? 0 : b.getSerializedSize());
        Refit old = refits.put(key, new Refit(w, b, size));
        if (old != null) bytes -= old.bytes;
        bytes += size;
        var eldest = refits.entrySet().iterator();
        while (bytes > MAX_BYTES && refits.size() > 1 && eldest.hasNext()) {
            bytes -= eldest.next().getValue().bytes;
            eldest.remove();
        }
    }

    /** Refits written into drafts from the store, and refits made (in place or ahead), for the log and the throughput figures. */
    public synchronized long hits() { return hits; }

    public synchronized long misses() { return misses; }
}
