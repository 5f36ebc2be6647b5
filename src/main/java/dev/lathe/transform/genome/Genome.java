package dev.lathe.transform.genome;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one candidate does to the original model: a keep ratio per prunable group (absent means 1.0), a
 * precision per layer (absent means float32), and the whole blocks dropped. Sorted collections give every
 * genome one canonical text form ({@link GenomeJson}), which the study uses to recognise a genome it has
 * already measured.
 */
public record Genome(SortedMap<String, Double> keepRatios, SortedMap<String, Precision> precisions, SortedSet<String> droppedBlocks) {
    public Genome {
        keepRatios = Collections.unmodifiableSortedMap(new TreeMap<>(keepRatios));
        precisions = Collections.unmodifiableSortedMap(new TreeMap<>(precisions == null ? Map.of() : precisions));
        droppedBlocks = Collections.unmodifiableSortedSet(new TreeSet<>(droppedBlocks == null ? Set.of() : droppedBlocks));
        for (Map.Entry<String, Double> e : keepRatios.entrySet())
            if (!(e.getValue() > 0 && e.getValue() <= 1))
                throw new IllegalArgumentException("keep ratio of " + e.getKey() + " must be in (0, 1], got " + e.getValue());
    }

    public Genome(SortedMap<String, Double> keepRatios, SortedMap<String, Precision> precisions) {
        this(keepRatios, precisions, null);
    }

    public static final Genome ORIGINAL = new Genome(new TreeMap<>(), new TreeMap<>());

    /** Keep ratios plus int8 dynamic quantization of the given layers. */
    public static Genome of(Map<String, Double> keepRatios, Set<String> int8Layers) {
        TreeMap<String, Precision> p = new TreeMap<>();
        for (String layer : int8Layers) p.put(layer, Precision.INT8);
        return new Genome(new TreeMap<>(keepRatios), p);
    }

    public static Genome withPrecisions(Map<String, Double> keepRatios, Map<String, Precision> precisions) {
        return new Genome(new TreeMap<>(keepRatios), new TreeMap<>(precisions));
    }

    public double keepRatio(String groupId) {
        return keepRatios.getOrDefault(groupId, 1.0);
    }

    /** The layer's precision, or null for float32. */
    public Precision precision(String layer) {
        return precisions.get(layer);
    }

    /** The layers at one precision, sorted. */
    public SortedSet<String> layersAt(Precision p) {
        TreeSet<String> out = new TreeSet<>();
        precisions.forEach((layer, q) -> { if (q == p) out.add(layer); });
        return out;
    }

    public Genome withDroppedBlocks(Set<String> blocks) {
        return new Genome(keepRatios, precisions, new TreeSet<>(blocks));
    }

    public Genome withPrecisions(Map<String, Precision> p) {
        return new Genome(keepRatios, new TreeMap<>(p), droppedBlocks);
    }

    public boolean isOriginal() {
        return precisions.isEmpty() && droppedBlocks.isEmpty() && keepRatios.values().stream().allMatch(r -> r >= 1.0);
    }
}
