package dev.lathe.transform.pruning.importance;

import ai.onnxruntime.OrtException;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.transform.pruning.StructuredPruner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Output sensitivity: a unit matters as much as the model's output moves when that unit alone is removed,
 * measured on calibration samples as the mean of 1 − cosine between the original's first output and the
 * pruned model's. Exact but costly (one pruned model per unit), so it is used for groups of at most
 * {@link #MAX_UNITS} units (attention heads, small layers) and the fallback ranks the rest.
 */
public final class SensitivityImportance implements ImportanceCriterion {
    public static final int MAX_UNITS = 64;
    /** Samples each removal is judged on: enough to rank units, few enough for one run per unit. */
    public static final int SAMPLES = 16;

    private final OnnxModel original;
    private final List<Map<String, TensorData>> samples;
    private final ImportanceCriterion fallback;
    private final Map<String, double[]> scored = new HashMap<>();
    private List<float[]> reference;

    public SensitivityImportance(OnnxModel original, List<Map<String, TensorData>> calibration, ImportanceCriterion fallback) {
        this.original = original;
        this.samples = List.copyOf(calibration.subList(0, Math.min(SAMPLES, calibration.size())));
        this.fallback = fallback;
    }

    @Override
    public String id() { return "sensitivity"; }

    @Override
    public double[] score(PrunableGroup group, MutableGraph graph) {
        if (group.size() > MAX_UNITS || samples.isEmpty()) return fallback.score(group, graph);
        return scored.computeIfAbsent(group.id(), id -> measure(group)).clone();
    }

    private double[] measure(PrunableGroup group) {
        try {
            if (reference == null) reference = outputs(original);
            double[] out = new double[group.size()];
            for (int u = 0; u < group.size(); u++) {
                int removed = u;
                MutableGraph g = MutableGraph.of(original);
                StructuredPruner.prune(g, group, IntStream.range(0, group.size()).filter(i -> i != removed).toArray());
                List<float[]> got = outputs(OnnxModel.of(g.toModel()));
                double drift = 0;
                for (int s = 0; s < got.size(); s++) drift += 1 - TensorData.cosine(reference.get(s), got.get(s));
                out[u] = drift / got.size();
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("sensitivity of " + group.id() + " could not be measured: " + e.getMessage(), e);
        }
    }

    private List<float[]> outputs(OnnxModel model) throws OrtException {
        String name = original.proto().getGraph().getOutput(0).getName();
        List<float[]> out = new ArrayList<>();
        try (OrtRunner r = OrtRunner.of(model, OrtRunner.RunnerSettings.cpu(1))) {
            for (Map<String, TensorData> s : samples) out.add(r.run(s).get(name).floats());
        }
        return out;
    }
}
