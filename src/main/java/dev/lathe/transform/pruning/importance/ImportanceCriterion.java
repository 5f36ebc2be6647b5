package dev.lathe.transform.pruning.importance;

import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;

/** Scores each unit of a group; the lowest-scoring units are removed first. */
public interface ImportanceCriterion {
    String id();

    double[] score(PrunableGroup group, MutableGraph graph);
}
