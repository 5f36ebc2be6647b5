package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One side of an attention block (query, key or value): the linear projection, and the Reshape that splits its
 * output into heads. A fused projection (GPT-2's c_attn, timm's qkv) writes query, key and value side by side:
 * this side's columns start at {@code offset}, the projection is {@code parts} sides wide, and {@code fused}
 * says where that total width is spelled (Split sizes, Slice bounds, Reshapes between projection and split).
 * GPT-NeoX's layout is {@code interleaved}: the projection is viewed as [batch, sequence, heads, parts * headDim] and
 * each head's query, key and value are consecutive thirds of its own block, so this side is {@code offset} into every
 * head's block of {@code parts * headDim} columns.
 * Node indices are those of the graph traced and hold only while it is not edited.
 */
public record HeadSplit(LinearLayer projection, int reshapeNode, long width, long offset, int parts, Fused fused, boolean interleaved) {
    public HeadSplit(LinearLayer projection, int reshapeNode, long width, long offset, int parts, Fused fused) {
        this(projection, reshapeNode, width, offset, parts, fused, false);
    }

    /** Where a fused projection's split spells widths, each a multiple of one side's width. */
    public record Fused(int splitNode, List<Integer> reshapes) {}

    /** Which side of a fused projection this is (0 for an unfused one). */
    public int side() { return interleaved ? (int) offset : (int) (offset / width); }

    /** Traces an attention operand back through Transpose / scalar scaling to its Reshape and linear layer. */
    public static Optional<HeadSplit> tracing(MutableGraph graph, String operand) {
        String t = operand;
        for (int step = 0; step < 4; step++) {
            int pi = graph.producer(t);
            if (pi < 0) return Optional.empty();
            NodeProto p = graph.node(pi);
            switch (p.getOpType()) {
                case "Transpose", "Div", "Mul" -> t = p.getInput(0);
                case "Split", "Slice" -> { return interleavedSide(graph, pi, t); }
                case "Reshape" -> {
                    String lin = p.getInput(0);
                    if (!ShapeConstants.onlyReadBy(graph, lin, pi)) return Optional.empty();
                    Optional<NodeProto> producer = graph.producerNode(lin);
                    if (producer.isPresent() && (producer.get().getOpType().equals("Split") || producer.get().getOpType().equals("Slice")))
                        return fused(graph, pi, lin, graph.producer(lin));
                    return attentionProjection(graph, lin).map(l -> new HeadSplit(l, pi, l.outputs(), 0, 1, null));
                }
                default -> { return Optional.empty(); }
            }
        }
        return Optional.empty();
    }

    /**
     * One side of GPT-NeoX's fused projection: a Split (or Slice) along the last axis of a Reshape of the projection to
     * [batch, sequence, heads, parts * headDim]; {@code offset} is the side's index (its columns are at
     * {@code side * headDim} in every head's block).
     */
    private static Optional<HeadSplit> interleavedSide(MutableGraph graph, int splitNode, String part) {
        NodeProto sp = graph.node(splitNode);
        int reshape = graph.producer(sp.getInput(0));
        if (reshape < 0 || !graph.node(reshape).getOpType().equals("Reshape")) return Optional.empty();
        Optional<long[]> target = ShapeConstants.reshapeTarget(graph, reshape);
        if (target.isEmpty() || target.get().length != 4 || target.get()[2] <= 0 || target.get()[3] <= 0) return Optional.empty();
        long heads = target.get()[2], block = target.get()[3];
        String projected = graph.node(reshape).getInput(0);
        if (!ShapeConstants.onlyReadBy(graph, projected, reshape)) return Optional.empty();
        Optional<LinearLayer> l = attentionProjection(graph, projected).filter(x -> x.outputs() == heads * block);
        if (l.isEmpty()) return Optional.empty();
        long headDim, side;
        int parts;
        if (sp.getOpType().equals("Split")) {
            long axis = MutableGraph.intAttribute(sp, "axis", 0);
            if (axis != -1 && axis != 3) return Optional.empty();
            parts = sp.getOutputCount();
            if (block % parts != 0) return Optional.empty();
            headDim = block / parts;
            long[] sizes = sp.getInputCount() > 1 && !sp.getInput(1).isEmpty()
                    ? graph.constant(sp.getInput(1)).map(Tensors::toLongs).orElse(null)
                    : sp.getAttributeList().stream().filter(a -> a.getName().equals("split")).findFirst()
                        .map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).orElse(new long[0]);
            if (sizes == null || (sizes.length > 0 && Arrays.stream(sizes).anyMatch(z -> z != headDim))) return Optional.empty();
            side = sp.getOutputList().indexOf(part);
        } else {
            if (sp.getInputCount() < 4) return Optional.empty();
            Optional<TensorProto> starts = graph.constant(sp.getInput(1)), ends = graph.constant(sp.getInput(2)), axes = graph.constant(sp.getInput(3));
            if (starts.isEmpty() || ends.isEmpty() || axes.isEmpty() || Tensors.elementCount(axes.get()) != 1) return Optional.empty();
            long axis = Tensors.toLongs(axes.get())[0];
            if (axis != -1 && axis != 3) return Optional.empty();
            long from = Tensors.toLongs(starts.get())[0], to = Math.min(Tensors.toLongs(ends.get())[0], block);
            headDim = to - from;
            if (headDim <= 0 || block % headDim != 0 || from % headDim != 0) return Optional.empty();
            parts = (int) (block / headDim);
            side = from / headDim;
        }
        if (side < 0 || parts < 2) return Optional.empty();
        for (int c : graph.consumers(sp.getInput(0))) {
            String op = graph.node(c).getOpType();
            if (!op.equals(sp.getOpType()) && !op.equals("Shape")) return Optional.empty();
        }
        return Optional.of(new HeadSplit(l.get(), reshape, heads * headDim, side, parts, null, true));
    }

    /** One side of a fused projection: which part of the Split (or which Slice) it is, and the projection behind it. */
    private static Optional<HeadSplit> fused(MutableGraph graph, int reshapeNode, String part, int splitNode) {
        NodeProto sp = graph.node(splitNode);
        List<Integer> reshapes = new ArrayList<>();
        Optional<LinearLayer> behind = projectionBehind(graph, sp.getInput(0), reshapes);
        if (behind.isEmpty()) return Optional.empty();
        LinearLayer l = behind.get();
        long width, offset, total = l.outputs();
        if (sp.getOpType().equals("Split")) {
            long axis = MutableGraph.intAttribute(sp, "axis", 0);
            if (axis != -1 && axis != 2) return Optional.empty();
            int index = sp.getOutputList().indexOf(part);
            long[] sizes;
            if (sp.getInputCount() > 1 && !sp.getInput(1).isEmpty()) {
                Optional<TensorProto> k = graph.constant(sp.getInput(1));
                if (k.isEmpty()) return Optional.empty();
                sizes = Tensors.toLongs(k.get());
            } else {
                sizes = sp.getAttributeList().stream().filter(a -> a.getName().equals("split")).findFirst()
                        .map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).orElse(null);
            }
            if (sizes != null && (sizes.length != sp.getOutputCount() || Arrays.stream(sizes).distinct().count() != 1)) return Optional.empty();
            if (total % sp.getOutputCount() != 0) return Optional.empty();
            width = total / sp.getOutputCount();
            if (sizes != null && sizes[0] != width) return Optional.empty();
            offset = index * width;
        } else {
            if (sp.getInputCount() < 4) return Optional.empty(); // opset 10+: starts, ends, axes as inputs
            Optional<TensorProto> starts = graph.constant(sp.getInput(1)), ends = graph.constant(sp.getInput(2)), axes = graph.constant(sp.getInput(3));
            if (starts.isEmpty() || ends.isEmpty() || axes.isEmpty() || Tensors.elementCount(axes.get()) != 1) return Optional.empty();
            long axis = Tensors.toLongs(axes.get())[0];
            if (axis != -1 && axis != 2) return Optional.empty();
            if (sp.getInputCount() > 4 && !sp.getInput(4).isEmpty()) {
                Optional<TensorProto> steps = graph.constant(sp.getInput(4));
                if (steps.isEmpty() || Tensors.toLongs(steps.get())[0] != 1) return Optional.empty();
            }
            offset = Tensors.toLongs(starts.get())[0];
            width = Math.min(Tensors.toLongs(ends.get())[0], total) - offset;
            if (offset < 0 || width <= 0 || total % width != 0 || offset % width != 0) return Optional.empty();
        }
        // Every reader of the fused output must be a split side of the same width (all three go to heads).
        for (int c : graph.consumers(sp.getInput(0))) {
            NodeProto n = graph.node(c);
            if (!n.getOpType().equals(sp.getOpType()) && !n.getOpType().equals("Shape")) return Optional.empty();
        }
        return Optional.of(new HeadSplit(l, reshapeNode, width, offset, (int) (total / width), new Fused(splitNode, reshapes)));
    }

    /** The projection behind a fused output, through Reshapes (recorded, since they spell the total width). */
    private static Optional<LinearLayer> projectionBehind(MutableGraph graph, String tensor, List<Integer> reshapes) {
        String t = tensor;
        for (int step = 0; step < 3; step++) {
            int pi = graph.producer(t);
            if (pi < 0) return Optional.empty();
            if (!graph.node(pi).getOpType().equals("Reshape")) return attentionProjection(graph, t);
            if (graph.consumers(t).stream().anyMatch(c -> !graph.node(c).getOpType().equals("Split") && !graph.node(c).getOpType().equals("Slice")
                    && !graph.node(c).getOpType().equals("Shape"))) return Optional.empty();
            reshapes.add(pi);
            t = graph.node(pi).getInput(0);
        }
        return Optional.empty();
    }

    /** A linear layer writing {@code tensor} whose columns are the heads' own: a Gemm computing exactly x W + C, C per column. */
    private static Optional<LinearLayer> attentionProjection(MutableGraph graph, String tensor) {
        return LinearLayer.producing(graph, tensor).filter(l -> !l.scaled() && !l.scalarBias());
    }
}
