package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup.AttributePatch;
import dev.lathe.analysis.PrunableGroup.ShapePatch;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.analysis.pattern.ElementwiseRegion;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.lathe.analysis.finder.ConvChannelFinder.inputAxis;
import static dev.lathe.analysis.finder.ConvChannelFinder.isConvolution;
import static dev.lathe.analysis.finder.ConvChannelFinder.isDepthwise;
import static dev.lathe.analysis.finder.ConvChannelFinder.outputAxis;

/**
 * The tensors that carry one set of convolution channels, found from a first producing Conv, with every parameter,
 * shape and attribute that counts them. Followed both ways: forward to the layers that read the channels, and
 * backward across element-wise joins to every other Conv that writes into the same space.
 */
final class ChannelSpace {
    /** Operators that keep channels apart, so a channel passes through them unchanged in position. */
    private static final Set<String> CHANNELWISE = Set.of("BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Dropout", "LpPool");

    final long channels;
    final List<TensorSlice> slices = new ArrayList<>();
    final List<AttributePatch> attributes = new ArrayList<>();
    final List<ShapePatch> patches = new ArrayList<>();
    final List<NodeProto> exits = new ArrayList<>();
    final List<String> producerWeights = new ArrayList<>();
    boolean concatenated;
    /**
     * The group count of the GroupNorms the channels pass (0: none). A unit is then one norm group of
     * {@code channels / normGroups} channels: removing whole groups leaves every kept group's statistics as they were,
     * where removing channels inside a group would change them. Patches that count norm groups are in the two lists below.
     */
    long normGroups;
    final List<AttributePatch> groupAttributes = new ArrayList<>();
    final List<ShapePatch> groupPatches = new ArrayList<>();
    private final MutableGraph graph;
    private final Set<String> region = new HashSet<>();
    private final Set<String> pooled = new HashSet<>();  // tensors whose spatial size is 1x1 (after a global pool)
    private final Map<String, Integer> offsets = new HashMap<>(); // past a Concat: where the channels start
    private final Set<Integer> visited = new HashSet<>();
    private final Set<Integer> readersOnly = new HashSet<>(); // convolutions met as readers, not (yet) as writers
    private final Deque<String> queue = new ArrayDeque<>();
    private String failure;

    ChannelSpace(MutableGraph graph, long channels) {
        this.graph = graph;
        this.channels = channels;
    }

    /** Explores the space from its first producer; null when it is a prunable group, else why not. */
    String explore(int firstProducer) {
        produce(firstProducer);
        while (failure == null && !queue.isEmpty()) {
            String t = queue.poll();
            if (graph.isGraphOutput(t)) { failure = "its channels are a model output"; break; }
            int p = graph.producer(t);
            if (p < 0) { failure = "its channels are tied to the model input " + t; break; }
            if (visited.add(p)) backward(p);
            else if (readersOnly.remove(p)) produce(p); // a convolution reading the space that also writes back into it
            for (int c : graph.consumers(t)) if (failure == null && !visited.contains(c)) forward(t, c);
        }
        if (failure == null && exits.isEmpty()) failure = "its channels never reach another weighted layer";
        return failure;
    }

    private void join(String tensor, boolean isPooled) {
        if (region.add(tensor)) queue.add(tensor);
        if (isPooled) pooled.add(tensor);
    }

    /** A Conv writing into the space: its filters and bias go with the channels. */
    private void produce(int node) {
        NodeProto n = graph.node(node);
        visited.add(node);
        readersOnly.remove(node);
        TensorProto w = graph.initializer(n.getInput(1));
        if (w == null || MutableGraph.intAttribute(n, "group", 1) != 1 || w.getDims(outputAxis(n)) != channels) {
            failure = "convolution " + NodeNames.id(n) + " writes into its channels but is grouped or of another width";
            return;
        }
        producerWeights.add(w.getName());
        slices.add(new TensorSlice(w.getName(), outputAxis(n)));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            if (graph.initializer(n.getInput(2)) == null) { failure = "bias of " + NodeNames.id(n) + " computed at run time"; return; }
            slices.add(new TensorSlice(n.getInput(2), 0));
        }
        join(n.getOutput(0), false);
    }

    /** How a tensor of the space was made: by a producing Conv, or by an operator whose inputs carry it too. */
    private void backward(int node) {
        NodeProto n = graph.node(node);
        String op = n.getOpType();
        if (isConvolution(n)) {
            TensorProto w = graph.initializer(n.getInput(1));
            if (op.equals("Conv") && w != null && isDepthwise(n, w)) passThroughDepthwise(node, n);
            else produce(node);
            return;
        }
        if (op.equals("Resize") || op.equals("Upsample")) { resize(n); if (failure == null) join(n.getInput(0), false); return; }
        if (op.equals("Pad")) { if (padsChannels(n)) failure = "Pad " + NodeNames.id(n) + " pads the batch or the channels"; else join(n.getInput(0), false); return; }
        if (!channelPreserving(op)) { failure = "its channels come from " + op + " node " + NodeNames.id(n) + ", which can mix channels"; return; }
        channelParameters(n, 0, false);
        for (String in : n.getInputList())
            if (!in.isEmpty() && graph.constant(in).isEmpty()) join(in, false);
    }

    /** Where a tensor of the space goes. */
    private void forward(String t, int node) {
        NodeProto n = graph.node(node);
        String op = n.getOpType();
        String id = NodeNames.id(n);
        if (isConvolution(n) && n.getInput(0).equals(t)) {
            visited.add(node);
            TensorProto w = graph.initializer(n.getInput(1));
            if (op.equals("Conv") && w != null && isDepthwise(n, w)) { passThroughDepthwise(node, n); return; }
            int at = offsets.getOrDefault(t, 0), axis = inputAxis(n);
            if (w == null || MutableGraph.intAttribute(n, "group", 1) != 1 || w.getDims(axis) < at + channels
                    || (!offsets.containsKey(t) && w.getDims(axis) != channels)) {
                failure = "the next convolution " + id + " is grouped or has a computed weight";
                return;
            }
            slices.add(new TensorSlice(w.getName(), axis, at));
            exits.add(n);
            readersOnly.add(node);
            return;
        }
        if ((op.equals("Resize") || op.equals("Upsample")) && n.getInput(0).equals(t)) {
            visited.add(node);
            resize(n);
            carryOffset(t, n.getOutput(0));
            join(n.getOutput(0), false);
            return;
        }
        if (op.equals("Pad") && n.getInput(0).equals(t)) {
            visited.add(node);
            if (padsChannels(n)) { failure = "Pad " + id + " pads the batch or the channels"; return; }
            carryOffset(t, n.getOutput(0));
            join(n.getOutput(0), pooled.contains(t));
            return;
        }
        if (op.equals("Concat")) {
            visited.add(node);
            long axis = MutableGraph.intAttribute(n, "axis", 0);
            if (axis != 1 && axis != -3) { failure = "Concat " + id + " joins along another axis than channels"; return; }
            if (pooled.contains(t) || n.getInputList().stream().filter(t::equals).count() != 1) { failure = "Concat " + id + " repeats or pools its channels"; return; }
            int before = offsets.getOrDefault(t, 0);
            for (String in : n.getInputList()) {
                if (in.equals(t)) break;
                long width = channelCount(in);
                if (width < 0) { failure = "cannot tell how many channels come before it in Concat " + id; return; }
                before += (int) width;
            }
            concatenated = true;
            offsets.put(n.getOutput(0), before);
            join(n.getOutput(0), false);
            return;
        }
        Optional<LinearLayer> w = LinearLayer.of(graph, n);
        if (w.isPresent() && n.getInput(0).equals(t) && pooled.contains(t)) {
            visited.add(node);
            int at = offsets.getOrDefault(t, 0);
            if (w.get().inputs() < at + channels || (!offsets.containsKey(t) && w.get().inputs() != channels)) {
                failure = "the classifier " + id + " reads " + w.get().inputs() + " features, not " + channels;
                return;
            }
            slices.add(new TensorSlice(w.get().weight(), w.get().inputAxis(), at));
            exits.add(n);
            return;
        }
        if (op.equals("Flatten") || op.equals("Squeeze")) {
            if (!pooled.contains(t)) { failure = "its channels feed a " + op + " that flattens them with the spatial positions"; return; }
            if (op.equals("Flatten") && MutableGraph.intAttribute(n, "axis", 1) != 1) { failure = "Flatten " + id + " mixes the batch into features"; return; }
            visited.add(node);
            carryOffset(t, n.getOutput(0));
            join(n.getOutput(0), true);
            return;
        }
        if (op.equals("GroupNormalization") && n.getInput(0).equals(t)) { groupNormalization(t, node, n); return; }
        if (op.equals("Reshape") && n.getInput(0).equals(t)) { writtenGroupNorm(t, node, n); return; }
        if (op.equals("Shape") && n.getInput(0).equals(t) && shapeForReshapesOnly(n)) { visited.add(node); return; }
        if (!channelPreserving(op)) { failure = "its channels reach " + op + " node " + id + ", which can mix channels"; return; }
        visited.add(node);
        channelParameters(n, offsets.getOrDefault(t, 0), offsets.containsKey(t));
        // A residual Add or an excitation Mul ties the other computed operand to these channels.
        for (String in : n.getInputList())
            if (!in.isEmpty() && !in.equals(t) && graph.constant(in).isEmpty()) {
                if (offsets.containsKey(t)) { failure = op + " node " + id + " joins concatenated channels with another tensor"; return; }
                join(in, pooled.contains(in));
            }
        boolean outPooled = op.startsWith("Global") || pooled.contains(t);
        for (String o : n.getOutputList()) if (!o.isEmpty()) { carryOffset(t, o); join(o, outPooled); }
    }

    /**
     * The {@code GroupNormalization} operator (opset 18: scale and bias per group; 21: per channel). Its group count
     * becomes the kept groups.
     */
    private void groupNormalization(String t, int node, NodeProto n) {
        visited.add(node);
        String id = NodeNames.id(n);
        long groups = MutableGraph.intAttribute(n, "num_groups", -1);
        if (!normGroups(groups, id, t)) return;
        for (int k = 1; k < 3 && k < n.getInputCount(); k++) {
            TensorProto p = graph.initializer(n.getInput(k));
            if (p == null || p.getDimsCount() != 1 || (p.getDims(0) != channels && p.getDims(0) != groups)) {
                failure = "GroupNormalization " + id + " scale or bias is not a constant of " + channels + " channels or " + groups + " groups";
                return;
            }
            addSlice(p.getDims(0) == channels && groups != channels ? new TensorSlice(p.getName(), 0) : new TensorSlice(p.getName(), 0, 0, 1));
        }
        groupAttributes.add(new AttributePatch(id, "num_groups", 1));
        join(n.getOutput(0), false);
    }

    /**
     * GroupNorm as torch exports it before opset 18: Reshape to [N, G, -1], InstanceNormalization with a scale and
     * bias per group, Reshape back to the input's run-time shape; the per-channel affine that follows is an
     * element-wise Mul and Add, found as usual. The first Reshape's G becomes the kept groups.
     */
    private void writtenGroupNorm(String t, int node, NodeProto reshape) {
        String id = NodeNames.id(reshape);
        Optional<TensorProto> shape = graph.constant(reshape.getInput(1));
        long[] v = shape.map(Tensors::toLongs).orElse(new long[0]);
        List<Integer> next = graph.consumers(reshape.getOutput(0));
        if (v.length != 3 || (v[0] != 0 && v[0] != 1) || v[2] != -1 || next.size() != 1 || graph.isGraphOutput(reshape.getOutput(0))
                || !graph.node(next.get(0)).getOpType().equals("InstanceNormalization")) {
            failure = "its channels reach Reshape " + id + ", which is not a GroupNorm's reshape to [N, groups, -1]";
            return;
        }
        NodeProto norm = graph.node(next.get(0));
        List<Integer> back = graph.consumers(norm.getOutput(0));
        if (back.size() != 1 || graph.isGraphOutput(norm.getOutput(0)) || !graph.node(back.get(0)).getOpType().equals("Reshape")) {
            failure = "InstanceNormalization " + NodeNames.id(norm) + " after Reshape " + id + " is not reshaped back";
            return;
        }
        NodeProto restore = graph.node(back.get(0));
        Optional<NodeProto> shapeOf = graph.producerNode(restore.getInput(1));
        if (shapeOf.isEmpty() || !shapeOf.get().getOpType().equals("Shape") || !shapeOf.get().getInput(0).equals(t)) {
            failure = "Reshape " + NodeNames.id(restore) + " does not restore the shape of the channels it normalized";
            return;
        }
        if (!normGroups(v[1], id, t)) return;
        for (int k = 1; k < 3; k++) {
            TensorProto p = graph.initializer(norm.getInput(k));
            if (p == null || p.getDimsCount() != 1 || p.getDims(0) != v[1]) { failure = "InstanceNormalization " + NodeNames.id(norm) + " parameters are not constants of its " + v[1] + " groups"; return; }
            addSlice(new TensorSlice(p.getName(), 0, 0, 1));
        }
        groupPatches.add(new ShapePatch(id, 1, 1, 1));
        visited.add(node);
        visited.add(next.get(0));
        visited.add(back.get(0));
        join(restore.getOutput(0), pooled.contains(t));
    }

    /** Records {@code groups} norm groups over the channels; false (with the failure) when they do not fit. */
    private boolean normGroups(long groups, String id, String t) {
        if (groups <= 0 || channels % groups != 0) { failure = "the GroupNorm " + id + " has " + groups + " groups, which do not divide " + channels + " channels"; return false; }
        if (normGroups != 0 && normGroups != groups) { failure = "GroupNorms of " + normGroups + " and " + groups + " groups share these channels"; return false; }
        if (offsets.containsKey(t)) { failure = "GroupNorm " + id + " normalizes concatenated channels"; return false; }
        normGroups = groups;
        return true;
    }

    /** A Shape whose value only tells Reshapes what to restore (a GroupNorm's way back to the input's shape). */
    private boolean shapeForReshapesOnly(NodeProto shape) {
        List<Integer> readers = graph.consumers(shape.getOutput(0));
        if (readers.isEmpty() || graph.isGraphOutput(shape.getOutput(0))) return false;
        for (int r : readers) {
            NodeProto n = graph.node(r);
            if (!n.getOpType().equals("Reshape") || !n.getInput(1).equals(shape.getOutput(0))) return false;
        }
        return true;
    }

    private void passThroughDepthwise(int node, NodeProto n) {
        visited.add(node);
        TensorProto dw = graph.initializer(n.getInput(1));
        if (dw.getDims(0) != channels) { failure = "depthwise convolution " + NodeNames.id(n) + " multiplies channels"; return; }
        slices.add(new TensorSlice(dw.getName(), 0));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            if (graph.initializer(n.getInput(2)) == null) { failure = "depthwise bias computed at run time"; return; }
            slices.add(new TensorSlice(n.getInput(2), 0));
        }
        attributes.add(new AttributePatch(NodeNames.id(n), "group", 1));
        join(n.getInput(0), false);
        join(n.getOutput(0), false);
    }

    /**
     * Resize keeps channels apart; only an explicit {@code sizes} input spells the channel count, and then it is
     * rewritten with the kept count. Sizes computed at run time would go stale, so they end the group.
     */
    private void resize(NodeProto n) {
        if (n.getInputCount() <= 3 || n.getInput(3).isEmpty()) return; // scales only: nothing to rewrite
        Optional<TensorProto> sizes = graph.constant(n.getInput(3));
        if (sizes.isEmpty()) { failure = "Resize " + NodeNames.id(n) + " takes its output size from the run"; return; }
        long[] v = Tensors.toLongs(sizes.get());
        if (v.length < 2 || v[1] != channels || offsets.containsKey(n.getInput(0))) { failure = "Resize " + NodeNames.id(n) + " sizes do not match its channels"; return; }
        patches.add(new ShapePatch(NodeNames.id(n), 3, 1, 1));
    }

    /**
     * Whether a Pad adds rows to the batch or channel axis (or its pads are computed at run time, so that nobody can
     * tell); padding only the spatial axes keeps every channel where it was. Pads are an attribute before opset 11
     * and a constant input from then on, as [begin of each axis..., end of each axis...].
     */
    private boolean padsChannels(NodeProto n) {
        long[] pads;
        List<Long> attribute = MutableGraph.intsAttribute(n, "pads");
        if (attribute != null) pads = attribute.stream().mapToLong(Long::longValue).toArray();
        else {
            Optional<TensorProto> k = n.getInputCount() > 1 ? graph.constant(n.getInput(1)) : Optional.empty();
            if (k.isEmpty()) return true;
            pads = Tensors.toLongs(k.get());
        }
        if (n.getInputCount() > 3 && !n.getInput(3).isEmpty()) return true; // opset 18 axes: not worth the reading
        int rank = pads.length / 2;
        return rank < 2 || pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0;
    }

    /** Past a Concat the output carries the channels at the same offset as the input. */
    private void carryOffset(String from, String to) {
        if (offsets.containsKey(from)) offsets.put(to, offsets.get(from));
    }

    /** How many channels a tensor has, from the Conv or Concat that made it (through channel-wise operators); -1 if unknown. */
    private long channelCount(String tensor) {
        Optional<NodeProto> p = graph.producerNode(tensor);
        if (p.isEmpty()) return -1;
        NodeProto n = p.get();
        if (isConvolution(n)) {
            TensorProto w = graph.initializer(n.getInput(1));
            return w == null ? -1 : w.getDims(outputAxis(n));
        }
        if (n.getOpType().equals("Concat")) {
            long sum = 0;
            for (String in : n.getInputList()) { long c = channelCount(in); if (c < 0) return -1; sum += c; }
            return sum;
        }
        if (channelPreserving(n.getOpType())) return channelCount(n.getInput(0));
        return -1;
    }

    /**
     * BatchNormalization parameters and per-channel constants of element-wise operators; {@code at} is where
     * the group's channels start when they arrive through a Concat ({@code partial}).
     */
    private void channelParameters(NodeProto n, int at, boolean partial) {
        if (n.getOpType().equals("BatchNormalization")) {
            for (int k = 1; k < n.getInputCount(); k++) {
                TensorProto p = graph.initializer(n.getInput(k));
                if (p == null || p.getDimsCount() != 1 || p.getDims(0) < at + channels || (!partial && p.getDims(0) != channels)) {
                    failure = "BatchNormalization " + NodeNames.id(n) + " parameters are not constants of " + channels;
                    return;
                }
                addSlice(new TensorSlice(p.getName(), 0, at));
            }
            return;
        }
        if (!ElementwiseRegion.isElementwise(n.getOpType())) return;
        for (String in : n.getInputList()) {
            if (in.isEmpty()) continue;
            Optional<TensorProto> k = graph.constant(in);
            if (k.isEmpty() || Tensors.elementCount(k.get()) == 1) continue;
            if (partial) { failure = n.getOpType() + " node " + NodeNames.id(n) + " applies per-channel constants after a Concat"; return; }
            int axis = channelAxisOfConstant(k.get(), channels);
            if (axis < 0 || graph.initializer(in) == null) { failure = n.getOpType() + " node " + NodeNames.id(n) + " uses a constant that is not per-channel"; return; }
            addSlice(new TensorSlice(in, axis));
        }
    }

    private void addSlice(TensorSlice s) {
        if (!slices.contains(s)) slices.add(s);
    }

    private static boolean channelPreserving(String op) {
        return CHANNELWISE.contains(op) || ElementwiseRegion.isElementwise(op);
    }

    /** The axis of a [C,1,1] or [1,C,1,1] constant that runs over channels, or -1. */
    private static int channelAxisOfConstant(TensorProto k, long channels) {
        long[] d = Tensors.dims(k);
        for (int a = 0; a < d.length; a++) {
            if (d[a] != channels) continue;
            boolean others = true;
            for (int b = 0; b < d.length; b++) if (b != a && d[b] != 1) others = false;
            // channels sit at axis 1 of NCHW, which is axis rank-3 counted from the end
            if (others && d.length - a == 3) return a;
        }
        return -1;
    }
}
