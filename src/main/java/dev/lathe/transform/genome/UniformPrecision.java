package dev.lathe.transform.genome;

import dev.lathe.analysis.QuantizableLayer;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One precision for every layer that can take it, or for the listed ones: the genome {@code apply --precision} builds. */
public final class UniformPrecision {
    private UniformPrecision() {}

    /**
     * The genome that runs every layer of {@code layers} supporting {@code precision} at it, or only those in
     * {@code only} (null for all). A listed layer that is missing or cannot take the precision is an error, and
     * so is a model with no such layer; {@code modelName} names the model in those messages.
     */
    public static Genome of(List<QuantizableLayer> layers, Precision precision, List<String> only, String modelName) {
        Map<String, Precision> chosen = new TreeMap<>();
        for (QuantizableLayer l : layers)
            if (precision.supports(l.opType()) && (only == null || only.contains(l.id()))) chosen.put(l.id(), precision);
        if (only != null)
            for (String id : only)
                if (!chosen.containsKey(id)) throw new IllegalArgumentException("no layer '" + id + "' that can run at " + precision + " in " + modelName);
        if (chosen.isEmpty()) throw new IllegalArgumentException(modelName + " has no layer that can run at " + precision);
        return Genome.withPrecisions(Map.of(), chosen);
    }
}
