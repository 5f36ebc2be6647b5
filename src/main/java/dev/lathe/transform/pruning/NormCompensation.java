package dev.lathe.transform.pruning;

import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.analysis.PrunableGroup.NormPatch;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a written-out LayerNorm's statistics those of the whole width after {@code n} of its units became {@code k}:
 * the removed units count as zeros, so the mean is {@code mean_k * k/n} and the variance
 * {@code var_k * k/n + mean^2 * (n-k)/n}. Exact when the removed units were zero. Keeping every unit adds nothing:
 * the identity nodes would only keep ONNX Runtime from fusing the LayerNorm into its own kernel, whose rounding differs.
 */
final class NormCompensation {
    private NormCompensation() {}

    static void layerNorm(MutableGraph graph, NormPatch p, int n, int k) {
        if (k == n) return;
        String mean = rescale(graph, p.meanNode(), (float) k / n);
        int vi = NodeNames.require(graph, p.varianceNode());
        String variance = graph.node(vi).getOutput(0);
        String scaled = graph.uniqueName(variance + "_kept"), square = graph.uniqueName(mean + "_squared"),
                share = graph.uniqueName(mean + "_removed_share"), full = graph.uniqueName(variance + "_full");
        String kn = constant(graph, variance + "_k_over_n", (float) k / n), rest = constant(graph, variance + "_removed_over_n", (float) (n - k) / n);
        List<NodeProto> added = List.of(node("Mul", scaled, variance, kn), node("Mul", square, mean, mean),
                node("Mul", share, square, rest), node("Add", full, scaled, share));
        rewire(graph, variance, full, vi);
        graph.insertNodes(vi + 1, added);
    }

    /**
     * A {@code LayerNormalization} operator over {@code k} of {@code n} units: it is written out (ReduceMean, Sub, Mul,
     * ReduceMean, Add, Sqrt, Div, Mul by the scale, Add of the bias, into the operator's own output) so that its
     * statistics can be compensated as {@link #layerNorm} does. Keeping every unit leaves the operator as it is.
     */
    static void layerNormalization(MutableGraph graph, NormPatch p, int n, int k) {
        if (k == n) return;
        int at = NodeNames.require(graph, p.fusedNode());
        NodeProto ln = graph.node(at);
        String x = ln.getInput(0), scale = ln.getInput(1), shift = ln.getInputCount() > 2 && !ln.getInput(2).isEmpty() ? ln.getInput(2) : null;
        String base = NodeNames.id(ln);
        String eps = constant(graph, base + "_epsilon", MutableGraph.floatAttribute(ln, "epsilon", 1e-5f));
        boolean axesInput = defaultOpset(graph) >= 18; // ReduceMean takes its axes as an input from opset 18
        String axes = null;
        if (axesInput) {
            axes = graph.uniqueName(base + "_axes");
            graph.putInitializer(Tensors.longs(axes, new long[] {1}, new long[] {-1}));
        }
        String mean = graph.uniqueName(base + "_mean"), d = graph.uniqueName(base + "_centered"), sq = graph.uniqueName(base + "_squared"),
                variance = graph.uniqueName(base + "_variance"), withEps = graph.uniqueName(base + "_variance_eps"), std = graph.uniqueName(base + "_std"),
                normalized = graph.uniqueName(base + "_normalized"), scaled = shift == null ? ln.getOutput(0) : graph.uniqueName(base + "_scaled");
        List<NodeProto> written = new ArrayList<>(List.of(reduceMean(mean, x, axes), node("Sub", d, x, mean), node("Mul", sq, d, d),
                reduceMean(variance, sq, axes), node("Add", withEps, variance, eps),
                NodeProto.newBuilder().setOpType("Sqrt").setName(std).addInput(withEps).addOutput(std).build(),
                node("Div", normalized, d, std), node("Mul", scaled, normalized, scale)));
        if (shift != null) written.add(node("Add", ln.getOutput(0), scaled, shift));
        graph.removeNode(at);
        graph.insertNodes(at, written);
        layerNorm(graph, NormPatch.layerNorm(mean, variance), n, k);
    }

    private static long defaultOpset(MutableGraph graph) {
        return graph.original().getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(o -> o.getVersion()).max().orElse(1);
    }

    private static NodeProto reduceMean(String out, String in, String axes) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType("ReduceMean").setName(out).addInput(in).addOutput(out);
        if (axes != null) b.addInput(axes);
        else b.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("axes").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INTS).addInts(-1));
        return b.addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("keepdims").setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT).setI(1)).build();
    }

    /** Multiplies the output of {@code nodeId} by {@code factor} for every reader; returns the rescaled tensor's name. */
    private static String rescale(MutableGraph graph, String nodeId, float factor) {
        int at = NodeNames.require(graph, nodeId);
        String out = graph.node(at).getOutput(0);
        String scaled = graph.uniqueName(out + "_full");
        String k = constant(graph, out + "_k_over_n", factor);
        rewire(graph, out, scaled, at);
        graph.insertNodes(at + 1, List.of(node("Mul", scaled, out, k)));
        return scaled;
    }

    private static String constant(MutableGraph graph, String base, float value) {
        String name = graph.uniqueName(base);
        graph.putInitializer(Tensors.floats(name, new long[0], new float[] {value}));
        return name;
    }

    /** Every node after {@code producer} that reads {@code from} reads {@code to} instead. */
    private static void rewire(MutableGraph graph, String from, String to, int producer) {
        List<Integer> readers = new ArrayList<>(graph.consumers(from));
        for (int r : readers) {
            if (r == producer) continue;
            NodeProto.Builder b = graph.node(r).toBuilder();
            for (int i = 0; i < b.getInputCount(); i++) if (b.getInput(i).equals(from)) b.setInput(i, to);
            graph.replaceNode(r, b.build());
        }
    }

    private static NodeProto node(String op, String out, String a, String b) {
        return NodeProto.newBuilder().setOpType(op).setName(out).addInput(a).addInput(b).addOutput(out).build();
    }
}
