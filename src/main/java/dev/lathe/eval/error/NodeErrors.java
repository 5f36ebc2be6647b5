package dev.lathe.eval.error;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtException;
import dev.lathe.model.ActivationProbe;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.TensorData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The error each node's output carries in a candidate against the original's tensor of the same name, on a
 * few samples: relative L2 ({@code ‖c − o‖ / ‖o‖}) and cosine similarity, over all the samples together. Both
 * models are probed ({@link ActivationProbe}) one sample at a time, so only one sample's tensors are held.
 * A tensor is compared only where both models compute it at the same shape: a pruned layer's narrower output
 * is skipped, and comparison resumes after the layer that restores the width. The <em>first jump</em> is the
 * first node, in graph order, whose error is at least {@link #MIN_JUMP} and {@link #JUMP_FACTOR} times the
 * largest error among the compared tensors it reads (directly or through uncompared ones): where the
 * candidate's error starts, the node a user should look at.
 */
public final class NodeErrors {
    public static final double MIN_JUMP = 1e-3;
    public static final double JUMP_FACTOR = 10;

    /** One original node's output: compared (with its figures) or not, and why not. */
    public record NodeError(String node, String op, String tensor, boolean compared, double relativeL2, double cosine, String reason) {}

    /** Every node of the original in graph order, and the first jump (null when the error never jumps). */
    public record Report(List<NodeError> nodes, String firstJump, int samples) {
        public java.util.Optional<NodeError> node(String name) {
            return nodes.stream().filter(n -> n.node().equals(name)).findFirst();
        }
    }

    private NodeErrors() {}

    public static Report compare(OnnxModel original, OnnxModel candidate, List<Map<String, TensorData>> samples) throws OrtException {
        if (samples.isEmpty()) throw new IllegalArgumentException("per-node error needs at least one sample");
        GraphProto og = original.proto().getGraph(), cg = candidate.proto().getGraph();
        Set<String> candidateTensors = new HashSet<>();
        cg.getNodeList().forEach(n -> candidateTensors.addAll(n.getOutputList()));
        Set<String> tensors = new LinkedHashSet<>();
        for (NodeProto n : og.getNodeList()) if (n.getOutputCount() > 0 && candidateTensors.contains(n.getOutput(0))) tensors.add(n.getOutput(0));

        Map<String, double[]> sums = new HashMap<>(); // tensor -> {Σ(c−o)², Σo², Σc², Σco}
        Map<String, String> mismatch = new HashMap<>();
        MutableGraph originalProbe = MutableGraph.of(original), candidateProbe = MutableGraph.of(candidate);
        for (Map<String, TensorData> sample : samples) {
            Map<String, TensorData> o = new HashMap<>();
            ActivationProbe.run(originalProbe, tensors, List.of(sample), o::putAll);
            ActivationProbe.run(candidateProbe, tensors, List.of(sample), c -> {
                for (String t : tensors) {
                    TensorData a = o.get(t), b = c.get(t);
                    if (a == null || b == null || !a.isFloat() || !b.isFloat()) {
                        mismatch.putIfAbsent(t, "not a float tensor in both");
                        continue;
                    }
                    if (!Arrays.equals(a.shape(), b.shape())) {
                        mismatch.put(t, "widths differ: " + Arrays.toString(a.shape()) + " → " + Arrays.toString(b.shape()));
                        continue;
                    }
                    float[] x = a.floats(), y = b.floats();
                    double[] s = sums.computeIfAbsent(t, k -> new double[4]);
                    for (int i = 0; i < x.length; i++) {
                        double d = y[i] - x[i];
                        s[0] += d * d;
                        s[1] += (double) x[i] * x[i];
                        s[2] += (double) y[i] * y[i];
                        s[3] += (double) x[i] * y[i];
                    }
                }
            });
        }

        Map<String, Double> error = new LinkedHashMap<>();
        List<NodeError> out = new ArrayList<>();
        for (NodeProto n : og.getNodeList()) {
            String name = n.getName().isEmpty() ? (n.getOutputCount() > 0 ? n.getOutput(0) : n.getOpType()) : n.getName();
            String t = n.getOutputCount() > 0 ? n.getOutput(0) : "";
            double[] s = sums.get(t);
            if (s == null || mismatch.containsKey(t)) {
                String why = mismatch.getOrDefault(t, candidateTensors.contains(t) ? "not computed" : "not in the candidate");
                out.add(new NodeError(name, n.getOpType(), t, false, Double.NaN, Double.NaN, why));
                continue;
            }
            double rel = s[1] > 0 ? Math.sqrt(s[0] / s[1]) : (s[0] > 0 ? Double.POSITIVE_INFINITY : 0);
            double cos = s[1] > 0 && s[2] > 0 ? s[3] / Math.sqrt(s[1] * s[2]) : (s[0] == 0 ? 1 : 0);
            error.put(t, rel);
            out.add(new NodeError(name, n.getOpType(), t, true, rel, cos, null));
        }
        return new Report(List.copyOf(out), firstJump(og, out, error), samples.size());
    }

    private static String firstJump(GraphProto g, List<NodeError> nodes, Map<String, Double> error) {
        Map<String, NodeProto> producer = new HashMap<>();
        g.getNodeList().forEach(n -> n.getOutputList().forEach(o -> producer.put(o, n)));
        Map<String, Double> upstreamCache = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeError e = nodes.get(i);
            if (!e.compared()) continue;
            double before = 0;
            for (String in : g.getNode(i).getInputList()) before = Math.max(before, upstream(in, producer, error, upstreamCache));
            if (e.relativeL2() >= MIN_JUMP && e.relativeL2() >= JUMP_FACTOR * before) return e.node();
        }
        return null;
    }

    /** The error a tensor carries: its own where compared, else the largest of what its producer reads. */
    private static double upstream(String t, Map<String, NodeProto> producer, Map<String, Double> error, Map<String, Double> cache) {
        Double own = error.get(t);
        if (own != null) return own;
        Double c = cache.get(t);
        if (c != null) return c;
        cache.put(t, 0.0); // cycles cannot occur in ONNX, but keep the walk finite anyway
        NodeProto p = producer.get(t);
        double v = 0;
        if (p != null) for (String in : p.getInputList()) v = Math.max(v, upstream(in, producer, error, cache));
        cache.put(t, v);
        return v;
    }
}
