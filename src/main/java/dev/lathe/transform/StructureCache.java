package dev.lathe.transform;

import ai.onnxruntime.OrtException;
import dev.lathe.transform.quantization.ActivationCalibrator;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What calibration measured on each pruned structure, so genomes that differ only in precisions run the calibration
 * samples through the structure once: channel maxima of smoothed layers' inputs (measured before smoothing), and
 * activation ranges (which depend on the structure and on which layers were smoothed). The most recent structures
 * are kept; a search revisits its current front's structures.
 */
final class StructureCache {
    private static final int STRUCTURES = 16;

    /** The measurements of one structure, filled as the layers of its candidates need them. */
    static final class Measurements {
        final Map<String, float[]> channelMaxima = new HashMap<>();
        private final Map<String, Map<String, ActivationCalibrator.Range>> rangesBySmoothing = new HashMap<>();

        /** Ranges of the structure's tensors with exactly {@code smoothedLayers} smoothed. */
        Map<String, ActivationCalibrator.Range> ranges(String smoothedLayers) {
            return rangesBySmoothing.computeIfAbsent(smoothedLayers, k -> new HashMap<>());
        }
    }

    /** Measures the values of the named tensors on the calibration samples. */
    interface Measure<V> {
        Map<String, V> of(List<String> tensors) throws OrtException;
    }

    private final Map<String, Measurements> byStructure = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Measurements> eldest) { return size() > STRUCTURES; }
    };

    synchronized Measurements of(String structure) {
        return byStructure.computeIfAbsent(structure, k -> new Measurements());
    }

    /** {@code known}, completed with the {@code needed} tensors it lacks, measured at once; {@code what} names the step if it fails. */
    static <V> Map<String, V> complete(Map<String, V> known, Collection<String> needed, Measure<V> measure, String what) {
        List<String> missing = needed.stream().filter(t -> !known.containsKey(t)).toList();
        if (missing.isEmpty()) return known;
        try {
            known.putAll(measure.of(missing));
        } catch (OrtException e) {
            throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
        }
        return known;
    }
}
