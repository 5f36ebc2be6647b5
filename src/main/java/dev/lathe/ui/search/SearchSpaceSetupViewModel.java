package dev.lathe.ui.search;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.config.KeepRanges;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import javafx.collections.ObservableSet;

import java.util.Map;
import java.util.TreeMap;

/**
 * The search-space part of the search form: a global minimum keep ratio (null: the built-in
 * {@link dev.lathe.search.SearchSpace#MIN_KEEP}), a keep range per group of the open model, and the blocks never
 * dropped. It produces the same {@link KeepRanges} as {@code --min-keep}, {@code --keep-range GROUP=MIN:MAX} and
 * {@code --keep-block}; ranges per kind, which only the command line sets, are carried over from a study as they are.
 */
public final class SearchSpaceSetupViewModel {
    private final ObjectProperty<Double> minKeep = new SimpleObjectProperty<>();
    private final ObservableList<PrunableGroup> groups = FXCollections.observableArrayList();
    private final ObservableList<RemovableBlock> blocks = FXCollections.observableArrayList();
    /** Group id to its own range; a group not here takes its kind's, the global or the built-in range. */
    private final ObservableMap<String, KeepRanges.Range> groupRanges = FXCollections.observableHashMap();
    private final ObservableSet<String> keptBlocks = FXCollections.observableSet();
    private Map<String, KeepRanges.Range> kindRanges = Map.of();

    /** The global minimum keep ratio, or null for the built-in one. */
    public ObjectProperty<Double> minKeepProperty() { return minKeep; }

    /** The open model's prunable groups. */
    public ObservableList<PrunableGroup> groups() { return groups; }

    /** The open model's removable blocks. */
    public ObservableList<RemovableBlock> blocks() { return blocks; }

    public ObservableMap<String, KeepRanges.Range> groupRanges() { return groupRanges; }

    public ObservableSet<String> keptBlocks() { return keptBlocks; }

    /** The range {@code group} searches in as the form stands. */
    public KeepRanges.Range rangeFor(PrunableGroup group) {
        return keepRanges().rangeFor(group);
    }

    /** Limits one group to {@code range}, or back to the default with null. */
    public void setRange(String group, KeepRanges.Range range) {
        if (range == null) groupRanges.remove(group); else groupRanges.put(group, range);
    }

    /** The ranges as settings; throws IllegalArgumentException for a global minimum out of (0, 1]. */
    public KeepRanges keepRanges() {
        Map<String, KeepRanges.Range> all = new TreeMap<>(kindRanges);
        all.putAll(groupRanges);
        return new KeepRanges(minKeep.get(), all, java.util.List.copyOf(keptBlocks));
    }

    /** Takes over a study's ranges. */
    void apply(KeepRanges k) {
        minKeep.set(k.minKeep());
        Map<String, KeepRanges.Range> kinds = new TreeMap<>();
        groupRanges.clear();
        k.ranges().forEach((key, r) -> {
            if (java.util.Arrays.stream(dev.lathe.analysis.GroupKind.values()).anyMatch(kind -> kind.id().equals(key))) kinds.put(key, r);
            else groupRanges.put(key, r);
        });
        kindRanges = Map.copyOf(kinds);
        keptBlocks.clear();
        keptBlocks.addAll(k.keepBlocks());
    }

    /** Back to the defaults, for a newly opened model. */
    public void clear() {
        apply(KeepRanges.DEFAULT);
    }
}
