package dev.lathe.config;

import dev.lathe.study.Constraints;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.RemovableBlock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The search space per group: the keep ratios a prunable group may take and the removable blocks that are never
 * dropped. A group's range is, in order of precedence: the entry under its id in {@code ranges}, the entry under
 * its kind ({@link GroupKind#id()}, e.g. {@code ffn_units}), {@code [minKeep, 1]} when the global {@code minKeep}
 * is set, else the built-in {@code [}{@link #MIN_KEEP}{@code , 1]} every kind starts from. A range of
 * [1, 1] keeps the group whole. Ratios are honoured to the group's unit granularity (whole units; a multiple of
 * 8 for groups of 64 units or more, see {@code StructuredPruner.keptUnits}).
 */
public record KeepRanges(Double minKeep, Map<String, Range> ranges, List<String> keepBlocks) {
    /** The lowest keep ratio a group searches when nothing else is set. */
    public static final double MIN_KEEP = 0.25;

    public static final KeepRanges DEFAULT = new KeepRanges(null, Map.of(), List.of());

    /** Keep ratios from {@code min} to {@code max}, both in (0, 1]. */
    public record Range(double min, double max) {
        public static final Range WHOLE = new Range(1, 1);

        public Range {
            if (!(min > 0 && min <= 1) || !(max > 0 && max <= 1))
                throw new IllegalArgumentException("keep ratios must be above 0 and at most 1, got " + dev.lathe.study.Constraints.number(min) + ":" + dev.lathe.study.Constraints.number(max));
            if (min > max) throw new IllegalArgumentException("keep range " + dev.lathe.study.Constraints.number(min) + ":" + dev.lathe.study.Constraints.number(max) + " has its minimum above its maximum");
        }

        @JsonIgnore
        public boolean whole() { return min >= 1; }

        /** "0.25:1", as the command line spells it. */
        @Override
        public String toString() { return dev.lathe.study.Constraints.number(min) + ":" + dev.lathe.study.Constraints.number(max); }

        /** Parses "MIN:MAX" (a single number N means N:N). */
        public static Range parse(String text) {
            String[] parts = text.trim().split(":", -1);
            try {
                if (parts.length == 1) return new Range(Double.parseDouble(parts[0]), Double.parseDouble(parts[0]));
                if (parts.length == 2) return new Range(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]));
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
            throw new IllegalArgumentException("a keep range is MIN:MAX with ratios in (0, 1], e.g. 0.5:1, got '" + text + "'");
        }
    }

    public KeepRanges {
        if (minKeep != null && !(minKeep > 0 && minKeep <= 1))
            throw new IllegalArgumentException("the global minimum keep ratio must be above 0 and at most 1, got " + minKeep);
        ranges = ranges == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(ranges)); // sorted: stable JSON and messages
        keepBlocks = keepBlocks == null ? List.of() : List.copyOf(new java.util.TreeSet<>(keepBlocks));
    }

    /** The built-in range of a kind, before any setting. */
    public static Range builtIn(GroupKind kind) {
        return new Range(MIN_KEEP, 1);
    }

    public KeepRanges withMinKeep(Double m) { return new KeepRanges(m, ranges, keepBlocks); }

    /** The same with {@code key} (a group id or kind id) limited to {@code range}, or back to the default with null. */
    public KeepRanges with(String key, Range range) {
        Map<String, Range> m = new TreeMap<>(ranges);
        if (range == null) m.remove(key); else m.put(key, range);
        return new KeepRanges(minKeep, m, keepBlocks);
    }

    public KeepRanges withKeptBlocks(java.util.Collection<String> blocks) { return new KeepRanges(minKeep, ranges, List.copyOf(blocks)); }

    /** The range {@code group} searches in (see the class comment for the precedence). */
    public Range rangeFor(PrunableGroup group) {
        Range r = ranges.get(group.id());
        if (r == null) r = ranges.get(group.kind().id());
        if (r == null && minKeep != null) r = new Range(minKeep, 1);
        return r != null ? r : builtIn(group.kind());
    }

    /** Where {@link #rangeFor} took the group's range from: "group", "kind", "global" or "built-in". */
    public String sourceOf(PrunableGroup group) {
        if (ranges.containsKey(group.id())) return "group";
        if (ranges.containsKey(group.kind().id())) return "kind";
        return minKeep != null ? "global" : "built-in";
    }

    public boolean keeps(RemovableBlock block) { return keepBlocks.contains(block.id()); }

    @JsonIgnore
    public boolean isDefault() { return equals(DEFAULT); }

    /**
     * Refuses keys and blocks the model does not have, naming them and listing the known ones: a mistyped id
     * would otherwise silently search the default range.
     */
    public void requireKnown(GroupFinder.Result analysis) {
        Set<String> kinds = new LinkedHashSet<>();
        Set<String> groups = new LinkedHashSet<>();
        for (PrunableGroup g : analysis.groups()) {
            kinds.add(g.kind().id());
            groups.add(g.id());
        }
        List<String> unknown = ranges.keySet().stream().filter(k -> !kinds.contains(k) && !groups.contains(k)).toList();
        if (!unknown.isEmpty()) {
            List<String> generic = unknown.stream().filter(k -> Arrays.stream(GroupKind.values()).anyMatch(kind -> kind.id().equals(k))).toList();
            throw new IllegalArgumentException("unknown group or kind in the keep ranges: " + String.join(", ", unknown)
                    + (generic.isEmpty() ? "" : " (this model has no " + String.join(" or ", generic) + " groups)")
                    + "; this model's kinds: " + (kinds.isEmpty() ? "none" : String.join(", ", kinds))
                    + "; its groups: " + (groups.isEmpty() ? "none" : String.join(", ", groups)));
        }
        Set<String> blocks = new LinkedHashSet<>(analysis.blocks().stream().map(RemovableBlock::id).toList());
        List<String> unknownBlocks = keepBlocks.stream().filter(b -> !blocks.contains(b)).toList();
        if (!unknownBlocks.isEmpty())
            throw new IllegalArgumentException("unknown block(s) to keep: " + String.join(", ", unknownBlocks)
                    + "; this model's removable blocks: " + (blocks.isEmpty() ? "none" : String.join(", ", blocks)));
    }

    /** "min keep 0.5, ffn_units 0.5:1, never drop block:3", or "default". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (minKeep != null) parts.add("min keep " + dev.lathe.study.Constraints.number(minKeep));
        ranges.forEach((k, r) -> parts.add(k + " " + (r.whole() ? "whole" : r.toString())));
        if (!keepBlocks.isEmpty()) parts.add("never drop " + String.join(", ", keepBlocks));
        return parts.isEmpty() ? "default" : String.join(", ", parts);
    }
}
