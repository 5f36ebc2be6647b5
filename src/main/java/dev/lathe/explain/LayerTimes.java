package dev.lathe.explain;

import dev.lathe.analysis.ModelSummary;
import dev.lathe.eval.profile.ModelProfile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Measured milliseconds per layer of the model view's table, from a profile of the original. A layer owns the
 * kernel it runs in: where ONNX Runtime fused a layer with nodes that are no layers of their own (a Conv with
 * its Relu), the whole kernel's time is the layer's; a kernel fused from several layers (a Conv with its
 * BatchNormalization) is shared equally among them. Kernels that run no layer (MaxPool, Reshape, Softmax) are
 * {@code otherMs}, so {@code layersMs + otherMs} is the profile's node total. {@code runKernelShare} and
 * {@code runCpuMs} are the profile's like-for-like figures (null in profiles stored before them).
 */
public record LayerTimes(Map<String, Double> ms, double layersMs, double otherMs, double kernelMs, double totalMs, int threads, String shape,
                         Double runKernelShare, Double runCpuMs) {
    public LayerTimes {
        ms = Map.copyOf(ms);
    }

    /** The layer's ms, or null where the profile has no node of that name. */
    public Double of(String layer) {
        return ms.get(layer);
    }

    /** The layer's share of the whole run ({@code totalMs}), or null. */
    public Double share(String layer) {
        Double m = ms.get(layer);
        return m == null || totalMs <= 0 ? null : m / totalMs;
    }

    public static LayerTimes of(List<ModelSummary.Layer> layers, ModelProfile profile) {
        Set<String> layerNames = new HashSet<>();
        for (ModelSummary.Layer l : layers) layerNames.add(l.name());
        Map<String, ModelProfile.Node> byName = new HashMap<>();
        for (ModelProfile.Node n : profile.nodes()) byName.put(n.name(), n);
        // One kernel = one node and those it was fused with; the same set from each of its nodes.
        Map<Set<String>, Double> kernelMs = new HashMap<>();
        for (ModelProfile.Node n : profile.nodes()) {
            Set<String> kernel = new TreeSet<>(n.fusedWith());
            kernel.add(n.name());
            kernelMs.merge(kernel, n.ms(), Double::sum);
        }
        Map<String, Double> ms = new HashMap<>();
        double other = 0, sum = 0;
        for (Map.Entry<Set<String>, Double> k : kernelMs.entrySet()) {
            sum += k.getValue();
            List<String> inLayers = new ArrayList<>();
            for (String node : k.getKey()) if (layerNames.contains(node) && byName.containsKey(node)) inLayers.add(node);
            if (inLayers.isEmpty()) other += k.getValue();
            else for (String l : inLayers) ms.merge(l, k.getValue() / inLayers.size(), Double::sum);
        }
        double layersMs = ms.values().stream().mapToDouble(Double::doubleValue).sum();
        return new LayerTimes(ms, layersMs, other, sum, profile.totalMs(), profile.threads(), profile.shape(), profile.runKernelShare(), profile.runCpuMs());
    }
}
