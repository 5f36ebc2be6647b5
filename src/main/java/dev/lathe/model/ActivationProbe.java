package dev.lathe.model;

import ai.onnxruntime.OrtException;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Reads intermediate tensors of a model on sample inputs: the tensors become extra outputs of a copy of the
 * graph (nodes computing statistics of them may have been appended to that copy first), and ONNX Runtime runs
 * it once per sample. One thread, so the values, and everything calibrated from them, are reproducible.
 */
public final class ActivationProbe {
    private ActivationProbe() {}

    /** What to do with one sample's probed tensors (float32 and int64 ones), keyed by tensor name. */
    @FunctionalInterface
    public interface Sink {
        void accept(Map<String, TensorData> tensors);
    }

    public static void run(MutableGraph probe, Collection<String> tensors, List<Map<String, TensorData>> samples, Sink sink) throws OrtException {
        java.util.Set<String> inputs = new java.util.HashSet<>();
        probe.original().getGraph().getInputList().forEach(v -> inputs.add(v.getName()));
        for (String t : tensors) if (!probe.isGraphOutput(t) && !inputs.contains(t)) probe.addOutput(t);
        try (OrtRunner r = OrtRunner.of(OnnxModel.of(probe.toModel()), OrtRunner.RunnerSettings.cpu(1))) { // over 2 GB: by file
            for (Map<String, TensorData> sample : samples) {
                Map<String, TensorData> out = new java.util.LinkedHashMap<>(r.run(sample));
                // A model input is not an output of the run: hand the sample's own value on.
                for (String t : tensors) if (inputs.contains(t) && sample.containsKey(t)) out.put(t, sample.get(t));
                sink.accept(out);
            }
        }
    }
}
