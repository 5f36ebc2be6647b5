package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.PrunableGroup.NormPatch;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.pattern.LayerNormOp;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.analysis.pattern.WrittenLayerNorm;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The hidden size of a transformer: the residual stream's width, one coupled group from the token embeddings
 * (and the position or token-type tables added to them) through every residual Add, every normalization (its scale
 * and shift) and every projection that reads the stream (its input rows) or writes back into it (its output
 * columns), to the head. Pre-norm decoders (Llama: RMSNorm before each sublayer, the stream itself is never
 * normalized) and post-norm encoders (BERT: a LayerNorm written out after each residual Add, whose output is the
 * stream) are both followed, and so is the {@code LayerNormalization} operator opset 17 exports. Removing a channel removes it everywhere; a stream that is a model output (an
 * embedder's token vectors) cannot lose channels.
 *
 * <p>A norm over fewer channels divides by fewer of them; each one's statistics are compensated ({@link NormPatch})
 * so that it keeps the whole width's.
 */
public final class HiddenWidthFinder implements StructureFinder<PrunableGroup> {
    @Override
    public List<PrunableGroup> find(MutableGraph graph, Reasons reasons) {
        List<PrunableGroup> groups = new ArrayList<>();
        Set<String> covered = new HashSet<>(); // tables already in a stream (position and token-type embeddings)
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            if (!n.getOpType().equals("Gather") || n.getInputCount() < 2) continue;
            TensorProto table = graph.initializer(n.getInput(0));
            if (table == null || table.getDimsCount() != 2 || table.getDataType() != TensorProto.DataType.FLOAT_VALUE) continue;
            if (covered.contains(table.getName())) continue;
            if (MutableGraph.intAttribute(n, "axis", 0) != 0 || graph.constant(n.getInput(1)).isPresent()) continue;
            Stream s = new Stream(graph, table.getDims(1));
            s.slices.add(new TensorSlice(table.getName(), 1));
            String failure = s.follow(n.getOutput(0));
            String id = NodeNames.id(n);
            s.slices.forEach(sl -> covered.add(sl.initializer())); // one walk per stream, one reason for it
            // A stream that met no norm is not a pre-norm decoder's (a BERT embedding sum, a lookup table): nothing to say.
            if (failure != null) { if (!s.norms.isEmpty()) reasons.note(id, "hidden width: " + failure); continue; }
            groups.add(new PrunableGroup("hidden:" + id, GroupKind.HIDDEN_WIDTH, "hidden width (" + s.norms.size() + " norms, " + s.slices.size() + " tensors)", (int) s.width, 1, List.copyOf(s.slices), List.of(), null,
                    List.of(), null, List.of(), List.copyOf(s.norms)));
        }
        return groups;
    }

    /** The walk along one residual stream. */
    private static final class Stream {
        final MutableGraph graph;
        final long width;
        final List<TensorSlice> slices = new ArrayList<>();
        final List<NormPatch> norms = new ArrayList<>();
        final Set<String> stream = new HashSet<>();
        final Set<Integer> done = new HashSet<>();
        final Deque<String> queue = new ArrayDeque<>();

        Stream(MutableGraph graph, long width) {
            this.graph = graph;
            this.width = width;
        }

        /** Null when every reader of the stream is accounted for, else why not. */
        String follow(String start) {
            join(start);
            while (!queue.isEmpty()) {
                String t = queue.poll();
                if (graph.isGraphOutput(t)) return "the residual stream is a model output";
                for (int c : graph.consumers(t)) {
                    if (done.contains(c)) continue;
                    String failure = reader(t, c);
                    if (failure != null) return failure;
                }
            }
            return norms.isEmpty() ? "no normalization reads the stream" : null;
        }

        private void join(String tensor) {
            if (stream.add(tensor)) queue.add(tensor);
        }

        private String reader(String t, int c) {
            NodeProto n = graph.node(c);
            String id = NodeNames.id(n);
            switch (n.getOpType()) {
                case "Add" -> {
                    done.add(c);
                    String other = n.getInput(0).equals(t) ? n.getInput(1) : n.getInput(0);
                    if (!stream.contains(other)) {
                        String table = embeddingTable(other);
                        if (table != null) slices.add(new TensorSlice(table, 1));
                        else {
                            Optional<LinearLayer> writer = LinearLayer.producing(graph, other);
                            if (writer.isEmpty() || writer.get().outputs() != width) return "residual Add " + id + " adds a tensor no projection of the width writes";
                            slices.add(new TensorSlice(writer.get().weight(), writer.get().outputAxis()));
                            if (writer.get().bias() != null) slices.add(new TensorSlice(writer.get().bias(), 0));
                        }
                    }
                    join(n.getOutput(0));
                    return null;
                }
                case "ReduceMean", "Sub" -> {
                    if (n.getOpType().equals("ReduceMean") && poolsTokens(n)) { done.add(c); join(n.getOutput(0)); return null; } // mean pooling
                    Optional<WrittenLayerNorm> ln = WrittenLayerNorm.reading(graph, t, width);
                    if (ln.isEmpty()) return n.getOpType() + " node " + id + " reads the stream outside a LayerNorm";
                    done.addAll(graph.consumers(t));
                    if (ln.get().scale() != null) slices.add(new TensorSlice(ln.get().scale(), 0));
                    if (ln.get().shift() != null) slices.add(new TensorSlice(ln.get().shift(), 0));
                    norms.add(NormPatch.layerNorm(ln.get().meanNode(), ln.get().varianceNode()));
                    join(ln.get().output()); // post-norm: the normalized tensor is the stream
                    return null;
                }
                case "LayerNormalization" -> {
                    Optional<LayerNormOp> ln = LayerNormOp.of(graph, n, t, width);
                    if (ln.isEmpty()) return "LayerNormalization " + id + " does not normalize the stream's last axis with constant scale and bias";
                    done.add(c);
                    slices.add(new TensorSlice(ln.get().scale(), 0));
                    if (ln.get().shift() != null) slices.add(new TensorSlice(ln.get().shift(), 0));
                    norms.add(NormPatch.layerNormalization(ln.get().node()));
                    join(ln.get().output()); // post-norm: the stream; pre-norm: read by projections only, which the walk accepts
                    return null;
                }
                case "Pow" -> { return rmsNorm(t, c); }
                case "Gather" -> {
                    // A pooler's token pick (BERT's [CLS]: Gather of a constant index along the sequence) keeps the channels.
                    if (!n.getInput(0).equals(t) || MutableGraph.intAttribute(n, "axis", 0) != 1 || graph.constant(n.getInput(1)).isEmpty())
                        return "Gather " + id + " reads the stream other than as a pick of tokens";
                    done.add(c);
                    join(n.getOutput(0));
                    return null;
                }
                case "Shape" -> { return shapeOnly(t, c) ? null : "Shape " + id + " reads the hidden width"; }
                default -> {
                    Optional<LinearLayer> l = LinearLayer.of(graph, n);
                    if (l.isPresent() && n.getInput(0).equals(t) && l.get().inputs() == width) {
                        done.add(c);
                        slices.add(new TensorSlice(l.get().weight(), l.get().inputAxis()));
                        return null;
                    }
                    return "its channels reach " + n.getOpType() + " node " + id + ", which is not a norm, a residual Add or a projection";
                }
            }
        }

        /**
         * x * (1 / sqrt(mean(x^2) + eps)) * scale, as torch writes RMSNorm (Pow, ReduceMean over the last axis, Add,
         * Sqrt, Div or Reciprocal, Mul by x, Mul by the scale). Its output is read by projections only.
         */
        private String rmsNorm(String x, int pow) {
            String id = NodeNames.id(graph.node(pow));
            Optional<TensorProto> two = graph.constant(graph.node(pow).getInput(1));
            if (two.isEmpty() || two.get().getDataType() != TensorProto.DataType.FLOAT_VALUE || Tensors.toFloats(two.get())[0] != 2f) return "Pow " + id + " is not a square";
            Optional<Integer> mean = sole(graph.node(pow).getOutput(0), "ReduceMean");
            if (mean.isEmpty() || !lastAxis(graph.node(mean.get()))) return "Pow " + id + " does not feed a mean over the channels";
            Optional<Integer> add = sole(graph.node(mean.get()).getOutput(0), "Add");
            if (add.isEmpty()) return "the mean of squares after " + id + " gets no epsilon";
            NodeProto addNode = graph.node(add.get());
            int epsInput = addNode.getInput(0).equals(graph.node(mean.get()).getOutput(0)) ? 1 : 0;
            Optional<TensorProto> eps = graph.constant(addNode.getInput(epsInput));
            if (eps.isEmpty() || Tensors.elementCount(eps.get()) != 1 || eps.get().getDataType() != TensorProto.DataType.FLOAT_VALUE)
                return "the epsilon of the norm after " + id + " is not a float constant";
            Optional<Integer> sqrt = sole(addNode.getOutput(0), "Sqrt");
            if (sqrt.isEmpty()) return "the norm after " + id + " has no Sqrt";
            String inverse = graph.node(sqrt.get()).getOutput(0);
            Optional<Integer> div = sole(inverse, "Div");
            List<Integer> normNodes = new ArrayList<>(List.of(pow, mean.get(), add.get(), sqrt.get()));
            if (div.isPresent()) {
                NodeProto d = graph.node(div.get());
                Optional<TensorProto> one = graph.constant(d.getInput(0));
                if (!d.getInput(1).equals(inverse) || one.isEmpty() || Tensors.toFloats(one.get())[0] != 1f) return "the norm after " + id + " divides by something else";
                inverse = d.getOutput(0);
                normNodes.add(div.get());
            } else return "the norm after " + id + " does not take 1 / sqrt";
            Optional<Integer> times = sole(inverse, "Mul");
            if (times.isEmpty() || !graph.node(times.get()).getInputList().contains(x)) return "the norm after " + id + " does not scale its input";
            Optional<Integer> scaled = sole(graph.node(times.get()).getOutput(0), "Mul");
            if (scaled.isEmpty()) return "the norm after " + id + " has no scale";
            NodeProto s = graph.node(scaled.get());
            String scaleName = s.getInput(0).equals(graph.node(times.get()).getOutput(0)) ? s.getInput(1) : s.getInput(0);
            TensorProto scale = graph.initializer(scaleName);
            if (scale == null || scale.getDimsCount() != 1 || scale.getDims(0) != width) return "the scale of the norm after " + id + " is not a vector of " + width;
            normNodes.add(times.get());
            normNodes.add(scaled.get());
            done.addAll(normNodes);
            slices.add(new TensorSlice(scaleName, 0));
            norms.add(new NormPatch(NodeNames.id(addNode), epsInput, scaleName));
            for (int r : graph.consumers(s.getOutput(0))) {
                NodeProto reader = graph.node(r);
                if (reader.getOpType().equals("Shape") && shapeOnly(s.getOutput(0), r)) continue;
                Optional<LinearLayer> l = LinearLayer.of(graph, reader);
                if (l.isEmpty() || !reader.getInput(0).equals(s.getOutput(0)) || l.get().inputs() != width)
                    return "the normalized stream reaches " + reader.getOpType() + " node " + NodeNames.id(reader) + ", not a projection";
                slices.add(new TensorSlice(l.get().weight(), l.get().inputAxis()));
                done.add(r);
            }
            return null;
        }

        /** A ReduceMean over the sequence axis only (attribute axes [1]): a mean over tokens, every channel kept apart. */
        private boolean poolsTokens(NodeProto reduce) {
            List<Long> axes = MutableGraph.intsAttribute(reduce, "axes");
            return axes != null && axes.equals(List.of(1L));
        }

        /** The table of a Gather of constant rows of the width (a position or token-type embedding), or null. */
        private String embeddingTable(String tensor) {
            Optional<NodeProto> g = graph.producerNode(tensor);
            if (g.isEmpty() || !g.get().getOpType().equals("Gather")) return null;
            TensorProto table = graph.initializer(g.get().getInput(0));
            return table != null && table.getDimsCount() == 2 && table.getDims(1) == width && MutableGraph.intAttribute(g.get(), "axis", 0) == 0
                    ? table.getName() : null;
        }

        /** The one reader of {@code tensor}, which must be {@code op}. */
        private Optional<Integer> sole(String tensor, String op) {
            List<Integer> c = graph.consumers(tensor);
            if (c.size() != 1 || graph.isGraphOutput(tensor) || !graph.node(c.get(0)).getOpType().equals(op)) return Optional.empty();
            return Optional.of(c.get(0));
        }

        private boolean lastAxis(NodeProto reduce) {
            List<Long> axes = MutableGraph.intsAttribute(reduce, "axes");
            return axes != null && axes.size() == 1 && axes.get(0) == -1 && MutableGraph.intAttribute(reduce, "keepdims", 1) == 1;
        }

        /** A Shape whose values are read only for batch or sequence length (Gathers of index 0 or 1). */
        private boolean shapeOnly(String tensor, int shape) {
            done.add(shape);
            for (int g : graph.consumers(graph.node(shape).getOutput(0))) {
                NodeProto gather = graph.node(g);
                if (!gather.getOpType().equals("Gather")) return false;
                Optional<TensorProto> index = graph.constant(gather.getInput(1));
                if (index.isEmpty()) return false;
                for (long v : Tensors.toLongs(index.get())) if (v != 0 && v != 1) return false;
            }
            return true;
        }
    }
}
