package dev.lathe.transform;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one candidate does to the original model: a keep ratio per prunable group (absent means 1.0), the
 * set of layers quantized to int8, and the whole blocks dropped. Sorted collections give every genome one canonical text form, which the
 * study uses to recognise a genome it has already measured.
 */
public record Genome(SortedMap<String, Double> keepRatios, SortedSet<String> int8Layers, SortedSet<String> droppedBlocks) {
    public Genome {
        keepRatios = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(keepRatios));
        int8Layers = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(int8Layers));
        droppedBlocks = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(droppedBlocks == null ? Set.of() : droppedBlocks));
        for (Map.Entry<String, Double> e : keepRatios.entrySet())
            if (!(e.getValue() > 0 && e.getValue() <= 1))
                throw new IllegalArgumentException("keep ratio of " + e.getKey() + " must be in (0, 1], got " + e.getValue());
    }

    public Genome(SortedMap<String, Double> keepRatios, SortedSet<String> int8Layers) {
        this(keepRatios, int8Layers, null);
    }

    public static final Genome ORIGINAL = new Genome(new TreeMap<>(), new TreeSet<>());

    public static Genome of(Map<String, Double> keepRatios, Set<String> int8Layers) {
        return new Genome(new TreeMap<>(keepRatios), new TreeSet<>(int8Layers));
    }

    public double keepRatio(String groupId) {
        return keepRatios.getOrDefault(groupId, 1.0);
    }

    public Genome withDroppedBlocks(Set<String> blocks) {
        return new Genome(keepRatios, int8Layers, new TreeSet<>(blocks));
    }

    public boolean isOriginal() {
        return int8Layers.isEmpty() && droppedBlocks.isEmpty() && keepRatios.values().stream().allMatch(r -> r >= 1.0);
    }
}
