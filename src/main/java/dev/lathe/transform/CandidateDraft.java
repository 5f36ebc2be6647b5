package dev.lathe.transform;

import dev.lathe.model.MutableGraph;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.util.Map;

/** A candidate in the making: the graph so far, the genome it follows, and what earlier stages did that later ones key on. */
final class CandidateDraft {
    final MutableGraph graph;
    final Genome genome;
    /** The layers SmoothQuant scaled, sorted and joined ("" when none): smoothed tensors' values depend on exactly that set. */
    String smoothedLayers = "";

    CandidateDraft(MutableGraph graph, Genome genome) {
        this.graph = graph;
        this.genome = genome;
    }

    /** The genome's pruned structure (keep ratios and dropped blocks): candidates of one structure share float activations. */
    String structure() {
        return GenomeJson.write(genome.withPrecisions(Map.of()));
    }
}
