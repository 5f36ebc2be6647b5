package dev.lathe.analysis.finder;

import dev.lathe.model.MutableGraph;

import java.util.List;

/**
 * Finds one kind of structure in a graph by its pattern: prunable groups, removable blocks or quantizable layers.
 * What a finder looked at and could not take, it notes in {@link Reasons} so nothing is skipped silently.
 */
public interface StructureFinder<T> {
    List<T> find(MutableGraph graph, Reasons reasons);
}
