package dev.lathe.analysis;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup.ShapePatch;
import dev.lathe.analysis.PrunableGroup.TensorSlice;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds prunable groups by pattern-matching the ONNX graph itself (no PyTorch module tree to lean on):
 * feed-forward blocks (weighted layer, element-wise activation, weighted layer) and BERT-style attention
 * heads. Every weighted layer left out of all groups is reported with the reason.
 */
public final class GroupFinder {
    /** Element-wise operators that never mix units, so units pass straight through them. */
    private static final Set<String> ELEMENTWISE = Set.of("Relu", "LeakyRelu", "Gelu", "Erf", "Sigmoid", "Tanh",
            "HardSigmoid", "HardSwish", "Clip", "Elu", "Selu", "Softplus", "Mul", "Add", "Sub", "Div", "Pow", "Sqrt",
            "Neg", "Abs", "Exp", "Identity");

    private final MutableGraph graph;
    private final List<PrunableGroup> groups = new ArrayList<>();
    private final Map<String, String> reasons = new LinkedHashMap<>();

    private GroupFinder(MutableGraph graph) {
        this.graph = graph;
    }

    public record Result(List<PrunableGroup> groups, List<UnprunableStructure> unprunable, List<QuantizableLayer> quantizable,
                         List<RemovableBlock> blocks) {
        public Optional<PrunableGroup> group(String id) {
            return groups.stream().filter(g -> g.id().equals(id)).findFirst();
        }

        public Optional<RemovableBlock> block(String id) {
            return blocks.stream().filter(b -> b.id().equals(id)).findFirst();
        }
    }

    public static Result analyze(MutableGraph graph) {
        GroupFinder f = new GroupFinder(graph);
        f.findAttentionHeads();
        f.findFeedForwardUnits();
        f.findConvChannels();
        Set<String> covered = new HashSet<>();
        for (PrunableGroup g : f.groups) for (TensorSlice s : g.slices()) covered.add(s.initializer());
        List<QuantizableLayer> quantizable = quantizableLayers(graph);
        List<UnprunableStructure> unprunable = new ArrayList<>();
        Set<String> layerIds = new HashSet<>();
        quantizable.forEach(q -> { if (!q.convolution()) layerIds.add(q.id()); }); // reported in the loop below
        f.reasons.forEach((node, reason) -> { if (!layerIds.contains(node)) unprunable.add(new UnprunableStructure(node, reason)); });
        for (QuantizableLayer q : quantizable) {
            if (covered.contains(q.weight()) || q.opType().equals("Conv")) continue; // convolutions report through their channel groups
            unprunable.add(new UnprunableStructure(q.id(), f.reasons.getOrDefault(q.id(),
                    "its output units do not feed another weighted layer through element-wise operators only")));
        }
        List<RemovableBlock> blocks = new ArrayList<>(f.transformerLayers());
        blocks.addAll(f.residualBranches());
        return new Result(List.copyOf(f.groups), unprunable, quantizable, List.copyOf(blocks));
    }

    public static String nodeId(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    // ---- feed-forward units -------------------------------------------------------------------------------

    private void findFeedForwardUnits() {
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            Optional<Weighted> first = weighted(n);
            if (first.isEmpty()) continue;
            Weighted w1 = first.get();
            if (alreadyGrouped(w1.weight)) continue;
            List<TensorSlice> slices = new ArrayList<>();
            slices.add(new TensorSlice(w1.weight, w1.outAxis));
            if (w1.bias != null) slices.add(new TensorSlice(w1.bias, 0));
            String head = n.getOutput(0);
            // A MatMul's bias usually comes as a following Add with a 1-D constant of the unit count.
            if (n.getOpType().equals("MatMul")) {
                List<Integer> cons = graph.consumers(head);
                if (cons.size() == 1) {
                    NodeProto add = graph.node(cons.get(0));
                    if (add.getOpType().equals("Add")) {
                        String other = add.getInput(0).equals(head) ? add.getInput(1) : add.getInput(0);
                        TensorProto b = graph.initializer(other);
                        if (b != null && b.getDimsCount() == 1 && b.getDims(0) == w1.n) {
                            slices.add(new TensorSlice(other, 0));
                            head = add.getOutput(0);
                        }
                    }
                }
            }
            Optional<Integer> exit = elementwiseRegionExit(head, w1.n, nodeId(n));
            if (exit.isEmpty()) continue;
            NodeProto exitNode = graph.node(exit.get());
            Weighted w2 = weighted(exitNode).orElseThrow();
            slices.add(new TensorSlice(w2.weight, w2.inAxis));
            GroupKind kind = n.getOpType().equals("Gemm") ? GroupKind.MLP_UNITS : GroupKind.FFN_UNITS;
            groups.add(new PrunableGroup((kind == GroupKind.MLP_UNITS ? "mlp:" : "ffn:") + nodeId(n), kind, nodeId(n), (int) w1.n, 1,
                    slices, List.of(), consumer(exitNode, w2)));
        }
    }

    private boolean alreadyGrouped(String weight) {
        return groups.stream().anyMatch(g -> g.slices().stream().anyMatch(s -> s.initializer().equals(weight)
                && g.kind() == GroupKind.ATTENTION_HEADS));
    }

    /**
     * Follows the consumers of {@code start} through element-wise operators whose other inputs are scalar
     * constants; succeeds when the region ends in exactly one weighted layer reading it as its data input.
     */
    private Optional<Integer> elementwiseRegionExit(String start, long units, String firstId) {
        // Phase 1: the closure of element-wise consumers, stopping at weighted layers that read it as data.
        Set<String> region = new HashSet<>(List.of(start));
        Set<Integer> regionNodes = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        Integer exit = null;
        while (!queue.isEmpty()) {
            String t = queue.poll();
            if (graph.isGraphOutput(t)) return fail(firstId, "its units are a model output");
            List<Integer> cons = graph.consumers(t);
            if (cons.isEmpty()) return fail(firstId, "its output is unused");
            for (int c : cons) {
                NodeProto cn = graph.node(c);
                Optional<Weighted> w = weighted(cn);
                if (w.isPresent() && cn.getInput(0).equals(t)) {
                    if (w.get().k != units) return fail(firstId, "the next layer " + nodeId(cn) + " expects " + w.get().k + " inputs, not " + units);
                    if (exit != null && exit != c) return fail(firstId, "its units feed more than one weighted layer");
                    exit = c;
                    continue;
                }
                if (!ELEMENTWISE.contains(cn.getOpType()))
                    return fail(firstId, "its units reach " + cn.getOpType() + " node " + nodeId(cn) + ", which can mix units");
                if (regionNodes.add(c)) for (String o : cn.getOutputList()) if (region.add(o)) queue.add(o);
            }
        }
        // Phase 2: every other operand of the region must be a scalar constant, or units would be mixed.
        for (int c : regionNodes) {
            NodeProto cn = graph.node(c);
            for (String in : cn.getInputList()) {
                if (in.isEmpty() || region.contains(in)) continue;
                Optional<TensorProto> k = graph.constant(in);
                if (k.isEmpty() || Tensors.elementCount(k.get()) != 1)
                    return fail(firstId, "element-wise " + cn.getOpType() + " node " + nodeId(cn) + " combines its units with a non-scalar tensor");
            }
        }
        return exit == null ? fail(firstId, "its units never reach another weighted layer") : Optional.of(exit);
    }

    // ---- whole transformer layers -------------------------------------------------------------------------

    /**
     * Transformer layers as removable blocks. Layer i starts at the hidden state its query projection reads and
     * ends where layer i+1 starts; the last layer ends at the same position in its chain of cut points (tensors
     * every path to the outputs passes through) as the layer before it, since layers repeat one structure.
     */
    private List<RemovableBlock> transformerLayers() {
        List<String> starts = new ArrayList<>();
        for (PrunableGroup g : groups) {
            if (g.kind() != GroupKind.ATTENTION_HEADS) continue;
            String wq = g.slices().get(0).initializer();
            for (int c : graph.consumers(wq)) {
                String in = graph.node(c).getInput(0);
                if (!starts.contains(in)) starts.add(in);
            }
        }
        starts.sort(java.util.Comparator.comparingInt(graph::producer));
        if (starts.size() < 2) return List.of();
        List<RemovableBlock> out = new ArrayList<>();
        List<String> before = cutPoints(starts.get(starts.size() - 2));
        int position = before.indexOf(starts.get(starts.size() - 1));
        if (position < 0) return List.of(); // layers are not chained hidden state to hidden state
        for (int i = 0; i < starts.size(); i++) {
            String end;
            if (i + 1 < starts.size()) {
                end = starts.get(i + 1);
            } else {
                List<String> cuts = cutPoints(starts.get(i));
                if (position >= cuts.size()) continue;
                end = cuts.get(position);
            }
            String name = "transformer layer " + i;
            out.add(new RemovableBlock("block:" + i, name, starts.get(i), end));
        }
        return out;
    }

    /**
     * Residual branches: an Add of x and f(x), where f reads nothing computed but x. Dropping one leaves the
     * skip path (x) in place of the sum: a residual block of a CNN, or the attention or feed-forward sublayer of
     * a transformer layer.
     */
    private List<RemovableBlock> residualBranches() {
        List<RemovableBlock> out = new ArrayList<>();
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto add = graph.node(i);
            if (!add.getOpType().equals("Add") || add.getInputCount() != 2) continue;
            String a = add.getInput(0), b = add.getInput(1);
            if (graph.constant(a).isPresent() || graph.constant(b).isPresent()) continue;
            String skip = null;
            if (isBranchOf(b, a)) skip = a;
            else if (isBranchOf(a, b)) skip = b;
            if (skip == null) continue;
            String name = "residual branch " + nodeId(add);
            out.add(new RemovableBlock("residual:" + nodeId(add), name, skip, add.getOutput(0)));
        }
        return out;
    }

    /**
     * True when {@code branch} is computed from {@code x}, constants and model inputs (an attention mask)
     * through at least one weighted layer, with no other computed tensor joining in.
     */
    private boolean isBranchOf(String branch, String x) {
        if (branch.equals(x)) return false;
        Set<String> seen = new HashSet<>();
        Deque<String> queue = new ArrayDeque<>(List.of(branch));
        boolean weighted = false;
        while (!queue.isEmpty()) {
            String t = queue.poll();
            if (t.equals(x) || !seen.add(t)) continue;
            if (graph.constant(t).isPresent()) continue;
            int p = graph.producer(t);
            if (p < 0) continue; // a model input: independent of x, so it stays available when the branch goes
            NodeProto n = graph.node(p);
            if (Set.of("Conv", "MatMul", "Gemm").contains(n.getOpType())) weighted = true;
            for (String in : n.getInputList()) if (!in.isEmpty()) queue.add(in);
            if (seen.size() > 2000) return false;
        }
        if (!weighted || seen.size() <= 1 || !reachable(x, null).contains(branch)) return false;
        // x must enter the branch through a weighted layer (the residual stream), not merely be added to it
        // (an attention mask added to scores is not a skip connection).
        for (int c : graph.consumers(x)) {
            NodeProto n = graph.node(c);
            boolean layer = Set.of("Conv", "MatMul", "Gemm").contains(n.getOpType()) && n.getInputCount() > 1 && graph.initializer(n.getInput(1)) != null;
            if (layer && seen.contains(n.getOutput(0))) return true;
        }
        return false;
    }

    /** Tensors after {@code start}, in graph order, through which every path from it to a model output passes. */
    private List<String> cutPoints(String start) {
        Set<String> outputs = new HashSet<>();
        graph.original().getGraph().getOutputList().forEach(v -> outputs.add(v.getName()));
        Set<String> reach = reachable(start, null);
        List<String> cuts = new ArrayList<>();
        for (int i = Math.max(0, graph.producer(start) + 1); i < graph.nodeCount(); i++) {
            for (String t : graph.node(i).getOutputList()) {
                if (!reach.contains(t)) continue;
                Set<String> without = reachable(start, t);
                if (without.stream().noneMatch(outputs::contains)) cuts.add(t);
            }
        }
        return cuts;
    }

    private Set<String> reachable(String start, String blocked) {
        Set<String> seen = new HashSet<>(List.of(start));
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            for (int c : graph.consumers(queue.poll()))
                for (String o : graph.node(c).getOutputList())
                    if (!o.isEmpty() && !o.equals(blocked) && seen.add(o)) queue.add(o);
        }
        return seen;
    }

    // ---- convolution channels -----------------------------------------------------------------------------

    /** Operators that keep channels apart, so a channel passes through them unchanged in position. */
    private static final Set<String> CHANNELWISE = Set.of("BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Dropout", "LpPool");

    /**
     * Output channels of a Conv (group 1) with everything coupled to them. The channel space is followed both
     * ways: forward through channel-wise operators (BatchNormalization parameters, per-channel constants and
     * depthwise filters are sliced along) to every Conv that reads it and to a classifier behind a global pool;
     * and across element-wise joins of two computed tensors (residual Add, squeeze-and-excitation Mul) back to
     * every other Conv that writes into the same space, whose filters are then removed together.
     */
    private void findConvChannels() {
        Set<String> tied = new HashSet<>(); // weights of convolutions already in a channel group as producers
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            if (!isConvolution(n)) continue;
            String id = nodeId(n);
            TensorProto w = graph.initializer(n.getInput(1));
            if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE || w.getDimsCount() < 3) continue;
            if (n.getOpType().equals("Conv") && isDepthwise(n, w)) continue; // passes channels through; pruned with the group that feeds it
            if (MutableGraph.intAttribute(n, "group", 1) != 1) { reasons.put(id, "grouped convolution (only depthwise ones pass channels through)"); continue; }
            if (tied.contains(w.getName())) continue;
            ChannelSpace space = new ChannelSpace(w.getDims(outputAxis(n)), id);
            if (!space.explore(i)) continue;
            tied.addAll(space.producerWeights);
            PrunableGroup.Consumer consumer = null;
            if (space.exits.size() == 1 && !space.concatenated) {
                NodeProto reader = space.exits.get(0);
                if (reader.getOpType().equals("ConvTranspose")) consumer = null; // no refit over transposed windows yet
                else if (reader.getOpType().equals("Conv"))
                    consumer = new PrunableGroup.Consumer(reader.getInput(0), reader.getInput(1), true,
                            reader.getInputCount() > 2 && graph.initializer(reader.getInput(2)) != null ? reader.getInput(2) : null, true);
                else consumer = consumer(reader, weighted(reader).orElseThrow());
            }
            String name = space.producerWeights.size() > 1 ? id + " (+" + (space.producerWeights.size() - 1) + " tied)" : id;
            groups.add(new PrunableGroup("conv:" + id, GroupKind.CONV_CHANNELS, name, (int) space.channels, 1, space.slices, space.patches,
                    consumer, space.attributes));
        }
    }

    /** The tensors that carry one set of channels, found from a first producing Conv. */
    private final class ChannelSpace {
        final long channels;
        final String firstId;
        final List<TensorSlice> slices = new ArrayList<>();
        final List<PrunableGroup.AttributePatch> attributes = new ArrayList<>();
        final List<ShapePatch> patches = new ArrayList<>();
        final List<NodeProto> exits = new ArrayList<>();
        final List<String> producerWeights = new ArrayList<>();
        private final Set<String> region = new HashSet<>();
        private final Set<String> pooled = new HashSet<>();  // tensors whose spatial size is 1x1 (after a global pool)
        private final java.util.Map<String, Integer> offsets = new java.util.HashMap<>(); // past a Concat: where the channels start
        private boolean concatenated;
        private final Set<Integer> visited = new HashSet<>();
        private final Deque<String> queue = new ArrayDeque<>();
        private String failure;

        ChannelSpace(long channels, String firstId) {
            this.channels = channels;
            this.firstId = firstId;
        }

        boolean explore(int firstProducer) {
            produce(firstProducer);
            while (failure == null && !queue.isEmpty()) {
                String t = queue.poll();
                if (graph.isGraphOutput(t)) { failure = "its channels are a model output"; break; }
                int p = graph.producer(t);
                if (p < 0) { failure = "its channels are tied to the model input " + t; break; }
                if (visited.add(p)) backward(p);
                for (int c : graph.consumers(t)) if (failure == null && !visited.contains(c)) forward(t, c);
            }
            if (failure == null && exits.isEmpty()) failure = "its channels never reach another weighted layer";
            if (failure != null) { reasons.putIfAbsent(firstId, failure); return false; }
            return true;
        }

        private void join(String tensor, boolean isPooled) {
            if (region.add(tensor)) queue.add(tensor);
            if (isPooled) pooled.add(tensor);
        }

        /** A Conv writing into the space: its filters and bias go with the channels. */
        private void produce(int node) {
            NodeProto n = graph.node(node);
            visited.add(node);
            TensorProto w = graph.initializer(n.getInput(1));
            if (w == null || MutableGraph.intAttribute(n, "group", 1) != 1 || w.getDims(outputAxis(n)) != channels) {
                failure = "convolution " + nodeId(n) + " writes into its channels but is grouped or of another width";
                return;
            }
            producerWeights.add(w.getName());
            slices.add(new TensorSlice(w.getName(), outputAxis(n)));
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                if (graph.initializer(n.getInput(2)) == null) { failure = "bias of " + nodeId(n) + " computed at run time"; return; }
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
            if (op.equals("Resize") || op.equals("Upsample")) { resize(node, n); if (failure == null) join(n.getInput(0), false); return; }
            if (!channelPreserving(op)) { failure = "its channels come from " + op + " node " + nodeId(n) + ", which can mix channels"; return; }
            channelParameters(n, 0, false);
            for (String in : n.getInputList())
                if (!in.isEmpty() && graph.constant(in).isEmpty()) join(in, false);
        }

        /** Where a tensor of the space goes. */
        private void forward(String t, int node) {
            NodeProto n = graph.node(node);
            String op = n.getOpType();
            if (isConvolution(n) && n.getInput(0).equals(t)) {
                visited.add(node);
                TensorProto w = graph.initializer(n.getInput(1));
                if (op.equals("Conv") && w != null && isDepthwise(n, w)) { passThroughDepthwise(node, n); return; }
                int at = offsets.getOrDefault(t, 0), axis = inputAxis(n);
                if (w == null || MutableGraph.intAttribute(n, "group", 1) != 1 || w.getDims(axis) < at + channels
                        || (!offsets.containsKey(t) && w.getDims(axis) != channels)) {
                    failure = "the next convolution " + nodeId(n) + " is grouped or has a computed weight";
                    return;
                }
                slices.add(new TensorSlice(w.getName(), axis, at));
                exits.add(n);
                return;
            }
            if ((op.equals("Resize") || op.equals("Upsample")) && n.getInput(0).equals(t)) {
                visited.add(node);
                resize(node, n);
                carryOffset(t, n.getOutput(0));
                join(n.getOutput(0), false);
                return;
            }
            if (op.equals("Concat")) {
                visited.add(node);
                long axis = MutableGraph.intAttribute(n, "axis", 0);
                if (axis != 1 && axis != -3) { failure = "Concat " + nodeId(n) + " joins along another axis than channels"; return; }
                if (pooled.contains(t) || n.getInputList().stream().filter(t::equals).count() != 1) { failure = "Concat " + nodeId(n) + " repeats or pools its channels"; return; }
                int before = offsets.getOrDefault(t, 0);
                for (String in : n.getInputList()) {
                    if (in.equals(t)) break;
                    long width = channelCount(in);
                    if (width < 0) { failure = "cannot tell how many channels come before it in Concat " + nodeId(n); return; }
                    before += (int) width;
                }
                concatenated = true;
                offsets.put(n.getOutput(0), before);
                join(n.getOutput(0), false);
                return;
            }
            Optional<Weighted> w = weighted(n);
            if (w.isPresent() && n.getInput(0).equals(t) && pooled.contains(t)) {
                visited.add(node);
                int at = offsets.getOrDefault(t, 0);
                if (w.get().k < at + channels || (!offsets.containsKey(t) && w.get().k != channels)) {
                    failure = "the classifier " + nodeId(n) + " reads " + w.get().k + " features, not " + channels;
                    return;
                }
                slices.add(new TensorSlice(w.get().weight, w.get().inAxis, at));
                exits.add(n);
                return;
            }
            if (op.equals("Flatten") || op.equals("Squeeze")) {
                if (!pooled.contains(t)) { failure = "its channels feed a " + op + " that flattens them with the spatial positions"; return; }
                if (op.equals("Flatten") && MutableGraph.intAttribute(n, "axis", 1) != 1) { failure = "Flatten " + nodeId(n) + " mixes the batch into features"; return; }
                visited.add(node);
                carryOffset(t, n.getOutput(0));
                join(n.getOutput(0), true);
                return;
            }
            if (!channelPreserving(op)) { failure = "its channels reach " + op + " node " + nodeId(n) + ", which can mix channels"; return; }
            visited.add(node);
            channelParameters(n, offsets.getOrDefault(t, 0), offsets.containsKey(t));
            // A residual Add or an excitation Mul ties the other computed operand to these channels.
            for (String in : n.getInputList())
                if (!in.isEmpty() && !in.equals(t) && graph.constant(in).isEmpty()) {
                    if (offsets.containsKey(t)) { failure = op + " node " + nodeId(n) + " joins concatenated channels with another tensor"; return; }
                    join(in, pooled.contains(in));
                }
            boolean outPooled = op.startsWith("Global") || pooled.contains(t);
            for (String o : n.getOutputList()) if (!o.isEmpty()) { carryOffset(t, o); join(o, outPooled); }
        }

        private void passThroughDepthwise(int node, NodeProto n) {
            visited.add(node);
            TensorProto dw = graph.initializer(n.getInput(1));
            if (dw.getDims(0) != channels) { failure = "depthwise convolution " + nodeId(n) + " multiplies channels"; return; }
            slices.add(new TensorSlice(dw.getName(), 0));
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                if (graph.initializer(n.getInput(2)) == null) { failure = "depthwise bias computed at run time"; return; }
                slices.add(new TensorSlice(n.getInput(2), 0));
            }
            attributes.add(new PrunableGroup.AttributePatch(node, "group", 1));
            join(n.getInput(0), false);
            join(n.getOutput(0), false);
        }

        /**
         * Resize keeps channels apart; only an explicit {@code sizes} input spells the channel count, and then it is
         * rewritten with the kept count. Sizes computed at run time would go stale, so they end the group.
         */
        private void resize(int node, NodeProto n) {
            if (n.getInputCount() <= 3 || n.getInput(3).isEmpty()) return; // scales only: nothing to rewrite
            Optional<TensorProto> sizes = graph.constant(n.getInput(3));
            if (sizes.isEmpty()) { failure = "Resize " + nodeId(n) + " takes its output size from the run"; return; }
            long[] v = Tensors.toLongs(sizes.get());
            if (v.length < 2 || v[1] != channels || offsets.containsKey(n.getInput(0))) { failure = "Resize " + nodeId(n) + " sizes do not match its channels"; return; }
            patches.add(new ShapePatch(node, 3, 1, 1));
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
                        failure = "BatchNormalization " + nodeId(n) + " parameters are not constants of " + channels;
                        return;
                    }
                    addSlice(new TensorSlice(p.getName(), 0, at));
                }
                return;
            }
            if (!ELEMENTWISE.contains(n.getOpType())) return;
            for (String in : n.getInputList()) {
                if (in.isEmpty()) continue;
                Optional<TensorProto> k = graph.constant(in);
                if (k.isEmpty() || Tensors.elementCount(k.get()) == 1) continue;
                if (partial) { failure = n.getOpType() + " node " + nodeId(n) + " applies per-channel constants after a Concat"; return; }
                int axis = channelAxisOfConstant(k.get(), channels);
                if (axis < 0 || graph.initializer(in) == null) { failure = n.getOpType() + " node " + nodeId(n) + " uses a constant that is not per-channel"; return; }
                addSlice(new TensorSlice(in, axis));
            }
        }

        private void addSlice(TensorSlice s) {
            if (!slices.contains(s)) slices.add(s);
        }

        private boolean channelPreserving(String op) {
            return CHANNELWISE.contains(op) || ELEMENTWISE.contains(op);
        }
    }

    private static boolean isConvolution(NodeProto n) {
        return n.getOpType().equals("Conv") || n.getOpType().equals("ConvTranspose");
    }

    /** The filter axis that runs over output channels: 0 for Conv, 1 for ConvTranspose ([in, out/group, kernel...]). */
    private static int outputAxis(NodeProto n) {
        return n.getOpType().equals("ConvTranspose") ? 1 : 0;
    }

    private static int inputAxis(NodeProto n) {
        return n.getOpType().equals("ConvTranspose") ? 0 : 1;
    }

    /** One input channel per filter and as many groups as filters: the channels pass straight through. */
    private static boolean isDepthwise(NodeProto conv, TensorProto w) {
        long group = MutableGraph.intAttribute(conv, "group", 1);
        return group > 1 && w.getDimsCount() >= 3 && w.getDims(1) == 1 && w.getDims(0) == group;
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

    /** Describes the layer reading a group's units, with its bias (Gemm's C, or a MatMul's following Add). */
    private PrunableGroup.Consumer consumer(NodeProto node, Weighted w) {
        String bias = w.bias;
        if (node.getOpType().equals("MatMul")) {
            List<Integer> cons = graph.consumers(node.getOutput(0));
            if (cons.size() == 1 && graph.node(cons.get(0)).getOpType().equals("Add")) {
                NodeProto add = graph.node(cons.get(0));
                String other = add.getInput(0).equals(node.getOutput(0)) ? add.getInput(1) : add.getInput(0);
                TensorProto b = graph.initializer(other);
                if (b != null && b.getDimsCount() == 1 && b.getDims(0) == w.n) bias = other;
            }
        }
        return new PrunableGroup.Consumer(node.getInput(0), w.weight, w.inAxis == 1, bias);
    }

    private <T> Optional<T> fail(String id, String reason) {
        reasons.putIfAbsent(id, reason);
        return Optional.empty();
    }

    /** A MatMul or Gemm with a constant 2-D float weight, described by which weight axis is which. */
    private record Weighted(String weight, String bias, long k, long n, int inAxis, int outAxis) {}

    private Optional<Weighted> weighted(NodeProto n) {
        boolean gemm = n.getOpType().equals("Gemm");
        if (!gemm && !n.getOpType().equals("MatMul")) return Optional.empty();
        if (n.getInputCount() < 2) return Optional.empty();
        TensorProto w = graph.initializer(n.getInput(1));
        if (w == null || w.getDimsCount() != 2 || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) return Optional.empty();
        if (graph.constant(n.getInput(0)).isPresent()) return Optional.empty();
        int inAxis = 0, outAxis = 1;
        String bias = null;
        if (gemm) {
            if (MutableGraph.intAttribute(n, "transA", 0) != 0) return Optional.empty();
            if (MutableGraph.intAttribute(n, "transB", 0) != 0) { inAxis = 1; outAxis = 0; }
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                TensorProto c = graph.initializer(n.getInput(2));
                if (c == null) return Optional.empty();
                if (c.getDimsCount() == 1 && c.getDims(0) == w.getDims(outAxis)) bias = c.getName();
                else if (Tensors.elementCount(c) != 1) return Optional.empty();
            }
        }
        return Optional.of(new Weighted(w.getName(), bias, w.getDims(inAxis), w.getDims(outAxis), inAxis, outAxis));
    }

    static List<QuantizableLayer> quantizableLayers(MutableGraph graph) {
        List<QuantizableLayer> out = new ArrayList<>();
        GroupFinder probe = new GroupFinder(graph);
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            if (n.getOpType().equals("Conv")) {
                convolutionLayer(graph, n, i).ifPresent(out::add);
                continue;
            }
            Optional<Weighted> w = probe.weighted(n);
            if (w.isEmpty()) continue;
            if (n.getOpType().equals("Gemm") && (MutableGraph.floatAttribute(n, "alpha", 1f) != 1f || MutableGraph.floatAttribute(n, "beta", 1f) != 1f))
                continue;
            out.add(new QuantizableLayer(nodeId(n), n.getOpType(), i, w.get().weight, (int) w.get().k, (int) w.get().n));
        }
        return out;
    }

    /** A Conv with a constant float filter and a constant bias (or none): k is inputs per output channel (channels x taps). */
    private static Optional<QuantizableLayer> convolutionLayer(MutableGraph graph, NodeProto n, int index) {
        if (n.getInputCount() < 2) return Optional.empty();
        TensorProto w = graph.initializer(n.getInput(1));
        if (w == null || w.getDimsCount() < 3 || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) return Optional.empty();
        if (graph.constant(n.getInput(0)).isPresent()) return Optional.empty();
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty() && graph.initializer(n.getInput(2)) == null) return Optional.empty();
        long outChannels = w.getDims(0);
        return Optional.of(new QuantizableLayer(nodeId(n), "Conv", index, w.getName(), (int) (Tensors.elementCount(w) / outChannels), (int) outChannels));
    }

    // ---- attention heads ----------------------------------------------------------------------------------

    /**
     * The linear projection feeding one side of an attention block, and the Reshape that splits it into heads.
     * A fused projection (GPT-2's c_attn, timm's qkv) writes query, key and value side by side: this side's
     * columns start at {@code offset}, the projection is {@code parts} sides wide, and {@code fused} says
     * where that total width is spelled (Split sizes, Slice bounds, Reshapes between projection and split).
     */
    private record Projection(String weight, String bias, int outAxis, int reshapeNode, long width, long offset, int parts, Fused fused) {}

    /** Where a fused projection's split spells widths, each a multiple of one side's width. */
    private record Fused(int splitNode, List<Integer> reshapes) {}

    /** The linear layer writing {@code tensor}: a MatMul (optionally followed by an Add of a bias vector) or a Gemm. */
    private record Linear(String weight, String bias, int outAxis, long width) {}

    private void findAttentionHeads() {
        for (int s = 0; s < graph.nodeCount(); s++) {
            NodeProto softmax = graph.node(s);
            if (!softmax.getOpType().equals("Softmax")) continue;
            String where = nodeId(softmax);
            Optional<NodeProto> scores = findUp(softmax.getInput(0), 4);
            if (scores.isEmpty()) { reasons.put(where, "no score MatMul found before Softmax"); continue; }
            Optional<Projection> q = projection(scores.get().getInput(0));
            Optional<Projection> k = projection(scores.get().getInput(1));
            List<Integer> after = graph.consumers(softmax.getOutput(0));
            if (after.size() != 1 || !graph.node(after.get(0)).getOpType().equals("MatMul")
                    || !graph.node(after.get(0)).getInput(0).equals(softmax.getOutput(0))) {
                reasons.put(where, "attention probabilities do not feed a single MatMul");
                continue;
            }
            NodeProto context = graph.node(after.get(0));
            Optional<Projection> v = projection(context.getInput(1));
            if (q.isEmpty() || k.isEmpty() || v.isEmpty()) { reasons.put(where, "query/key/value projections not recognised"); continue; }
            long width = q.get().width;
            if (k.get().width != width || v.get().width != width) { reasons.put(where, "query, key and value widths differ"); continue; }
            Optional<long[]> qShape = reshapeTarget(q.get().reshapeNode);
            if (qShape.isEmpty() || qShape.get().length != 4) { reasons.put(where, "head split shape is not a known 4-D constant"); continue; }
            long headDim = qShape.get()[3];
            if (headDim <= 0 || width % headDim != 0) { reasons.put(where, "head size not a positive constant"); continue; }
            int heads = (int) (width / headDim);
            // Merge side: context -> Transpose -> Reshape(.., heads*headDim) [-> Reshape(-1, heads*headDim)] -> output projection.
            Optional<Integer> merge = single(context.getOutput(0), "Transpose").flatMap(t -> single(graph.node(t).getOutput(0), "Reshape"));
            if (merge.isEmpty()) { reasons.put(where, "head merge (Transpose, Reshape) not recognised"); continue; }
            List<Integer> merges = new ArrayList<>(List.of(merge.get()));
            Optional<Integer> out = single(graph.node(merge.get()).getOutput(0), "MatMul")
                    .or(() -> single(graph.node(merge.get()).getOutput(0), "Gemm"));
            if (out.isEmpty()) {
                // Conv1D-style exports flatten the merged heads to rows before a Gemm.
                Optional<Integer> flatten = single(graph.node(merge.get()).getOutput(0), "Reshape");
                if (flatten.isPresent()) {
                    merges.add(flatten.get());
                    out = single(graph.node(flatten.get()).getOutput(0), "Gemm").or(() -> single(graph.node(flatten.get()).getOutput(0), "MatMul"));
                }
            }
            if (out.isEmpty()) { reasons.put(where, "merged heads do not feed a single output projection"); continue; }
            Optional<Weighted> wo = weighted(graph.node(out.get()));
            if (wo.isEmpty() || wo.get().k != width) { reasons.put(where, "output projection weight not a constant of " + width + " rows"); continue; }

            java.util.LinkedHashSet<ShapePatch> patches = new java.util.LinkedHashSet<>();
            java.util.LinkedHashSet<PrunableGroup.AttributePatch> attributes = new java.util.LinkedHashSet<>();
            boolean ok = true;
            for (Projection p : List.of(q.get(), k.get(), v.get())) {
                ok &= patchFor(p.reshapeNode, heads, 1, 2, patches);
                if (p.fused != null) ok &= fusedPatches(p, heads, (int) headDim, patches, attributes);
            }
            for (int m : merges) ok &= patchFor(m, heads, (int) headDim, -1, patches);
            if (!ok) { reasons.put(where, "a head-count constant in a Reshape shape or split is computed at run time"); continue; }

            List<TensorSlice> slices = new ArrayList<>();
            for (Projection p : List.of(q.get(), k.get(), v.get())) {
                slices.add(new TensorSlice(p.weight, p.outAxis, (int) p.offset));
                if (p.bias != null) slices.add(new TensorSlice(p.bias, 0, (int) p.offset));
            }
            slices.add(new TensorSlice(wo.get().weight, wo.get().inAxis));
            String name = where.endsWith("/Softmax") ? where.substring(0, where.length() - "/Softmax".length()) : where;
            groups.add(new PrunableGroup("heads:" + name, GroupKind.ATTENTION_HEADS, name, heads, (int) headDim, slices,
                    List.copyOf(patches), consumer(graph.node(out.get()), wo.get()), List.copyOf(attributes)));
        }
    }

    /**
     * Patches for a fused projection's split: each Split size (or the Slice bounds of this side) and the last
     * dimension of every Reshape between the projection and the split scale with the kept heads.
     */
    private boolean fusedPatches(Projection p, int heads, int headDim, java.util.Set<ShapePatch> patches,
                                 java.util.Set<PrunableGroup.AttributePatch> attributes) {
        for (int r : p.fused.reshapes) if (!patchFor(r, heads, p.parts * headDim, -1, patches)) return false;
        int si = p.fused.splitNode;
        NodeProto split = graph.node(si);
        int side = (int) (p.offset / p.width);
        if (split.getOpType().equals("Split")) {
            if (split.getInputCount() > 1 && !split.getInput(1).isEmpty()) {
                for (int j = 0; j < p.parts; j++) patches.add(new ShapePatch(si, 1, j, headDim));
            } else if (split.getAttributeList().stream().anyMatch(a -> a.getName().equals("split"))) {
                for (int j = 0; j < p.parts; j++) attributes.add(new PrunableGroup.AttributePatch(si, "split", j, headDim));
            } // no sizes: equal parts, nothing spelled
            return true;
        }
        // Slice: starts and ends of this side (an open end, INT64_MAX and the like, needs no patch).
        long total = p.width * p.parts;
        if (side > 0) patches.add(new ShapePatch(si, 1, 0, side * headDim));
        long end = Tensors.toLongs(graph.constant(split.getInput(2)).orElseThrow())[0];
        if (end <= total) patches.add(new ShapePatch(si, 2, 0, (side + 1) * headDim));
        return true;
    }

    /** Traces an attention operand back through Transpose / scalar scaling to its Reshape and linear layer. */
    private Optional<Projection> projection(String tensor) {
        String t = tensor;
        for (int step = 0; step < 4; step++) {
            int pi = graph.producer(t);
            if (pi < 0) return Optional.empty();
            NodeProto p = graph.node(pi);
            switch (p.getOpType()) {
                case "Transpose", "Div", "Mul" -> t = p.getInput(0);
                case "Reshape" -> {
                    String lin = p.getInput(0);
                    if (!onlyReshapedOrMeasured(lin, pi)) return Optional.empty();
                    Optional<NodeProto> producer = graph.producerNode(lin);
                    if (producer.isPresent() && (producer.get().getOpType().equals("Split") || producer.get().getOpType().equals("Slice")))
                        return fusedProjection(pi, lin, graph.producer(lin));
                    return linear(lin).map(l -> new Projection(l.weight, l.bias, l.outAxis, pi, l.width, 0, 1, null));
                }
                default -> { return Optional.empty(); }
            }
        }
        return Optional.empty();
    }

    /** One side of a fused projection: which part of the Split (or which Slice) it is, and the projection behind it. */
    private Optional<Projection> fusedProjection(int reshapeNode, String part, int splitNode) {
        NodeProto sp = graph.node(splitNode);
        List<Integer> reshapes = new ArrayList<>();
        Optional<Linear> behind = projectionBehind(sp.getInput(0), reshapes);
        if (behind.isEmpty()) return Optional.empty();
        Linear l = behind.get();
        long width, offset, total = l.width;
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
            if (sizes != null && (sizes.length != sp.getOutputCount() || java.util.Arrays.stream(sizes).distinct().count() != 1)) return Optional.empty();
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
        return Optional.of(new Projection(l.weight, l.bias, l.outAxis, reshapeNode, width, offset, (int) (total / width), new Fused(splitNode, reshapes)));
    }

    /** The projection behind a fused output, through Reshapes (recorded, since they spell the total width). */
    private Optional<Linear> projectionBehind(String tensor, List<Integer> reshapes) {
        String t = tensor;
        for (int step = 0; step < 3; step++) {
            int pi = graph.producer(t);
            if (pi < 0) return Optional.empty();
            if (!graph.node(pi).getOpType().equals("Reshape")) return linear(t);
            if (graph.consumers(t).stream().anyMatch(c -> !graph.node(c).getOpType().equals("Split") && !graph.node(c).getOpType().equals("Slice")
                    && !graph.node(c).getOpType().equals("Shape"))) return Optional.empty();
            reshapes.add(pi);
            t = graph.node(pi).getInput(0);
        }
        return Optional.empty();
    }

    /** A MatMul with a constant weight (and a bias Add after it), or a Gemm, whose only reader leads to {@code tensor}. */
    private Optional<Linear> linear(String tensor) {
        int li = graph.producer(tensor);
        if (li < 0) return Optional.empty();
        NodeProto ln = graph.node(li);
        String bias = null;
        NodeProto mm = ln;
        if (ln.getOpType().equals("Add")) {
            int which = graph.initializer(ln.getInput(0)) != null ? 0 : 1;
            bias = ln.getInput(which);
            TensorProto b = graph.initializer(bias);
            if (b == null || b.getDimsCount() != 1) return Optional.empty();
            Optional<NodeProto> m = graph.producerNode(ln.getInput(1 - which));
            if (m.isEmpty() || !m.get().getOpType().equals("MatMul")) return Optional.empty();
            mm = m.get();
            if (graph.consumers(mm.getOutput(0)).size() != 1) return Optional.empty();
        }
        Optional<Weighted> w = weighted(mm);
        if (w.isEmpty()) return Optional.empty();
        if (mm.getOpType().equals("Gemm")) {
            if (bias != null) return Optional.empty();
            if (MutableGraph.floatAttribute(mm, "alpha", 1f) != 1f || MutableGraph.floatAttribute(mm, "beta", 1f) != 1f) return Optional.empty();
            if (mm.getInputCount() > 2 && !mm.getInput(2).isEmpty() && w.get().bias == null) return Optional.empty(); // a scalar C: not per unit
            bias = w.get().bias;
        }
        if (bias != null && graph.initializer(bias).getDims(0) != w.get().n) return Optional.empty();
        return Optional.of(new Linear(w.get().weight, bias, w.get().outAxis, w.get().n));
    }

    /** Walks up through element-wise score adjustments (scale, mask) to the score MatMul. */
    private Optional<NodeProto> findUp(String tensor, int depth) {
        Optional<NodeProto> p = graph.producerNode(tensor);
        if (p.isEmpty() || depth == 0) return Optional.empty();
        NodeProto n = p.get();
        if (n.getOpType().equals("MatMul") && graph.constant(n.getInput(1)).isEmpty()) return p;
        if (!Set.of("Add", "Div", "Mul", "Sub", "Where", "Cast").contains(n.getOpType())) return Optional.empty();
        for (String in : n.getInputList()) {
            Optional<NodeProto> r = findUp(in, depth - 1);
            if (r.isPresent()) return r;
        }
        return Optional.empty();
    }

    /** The projection output may also feed Shape nodes that read batch or sequence length, which pruning leaves alone. */
    private boolean onlyReshapedOrMeasured(String tensor, int reshapeNode) {
        for (int c : graph.consumers(tensor)) {
            if (c == reshapeNode) continue;
            NodeProto n = graph.node(c);
            if (!n.getOpType().equals("Shape")) return false;
            for (int g : graph.consumers(n.getOutput(0))) {
                NodeProto gn = graph.node(g);
                if (!gn.getOpType().equals("Gather")) return false;
                Optional<TensorProto> idx = graph.constant(gn.getInput(1));
                if (idx.isEmpty()) return false;
                for (long v : Tensors.toLongs(idx.get())) if (v != 0 && v != 1) return false;
            }
        }
        return true;
    }

    /** The one consumer of {@code tensor} with operator {@code op}, ignoring Shape nodes that read only batch or sequence length. */
    private Optional<Integer> single(String tensor, String op) {
        Integer found = null;
        for (int c : graph.consumers(tensor)) {
            NodeProto n = graph.node(c);
            if (n.getOpType().equals(op) && found == null) { found = c; continue; }
            if (!n.getOpType().equals("Shape")) return Optional.empty();
        }
        if (found == null || !onlyReshapedOrMeasured(tensor, found)) return Optional.empty();
        return Optional.of(found);
    }

    /** The constant target shape of a Reshape, with run-time pieces (batch, sequence) reported as -1. */
    private Optional<long[]> reshapeTarget(int reshapeNode) {
        String shape = graph.node(reshapeNode).getInput(1);
        Optional<TensorProto> k = graph.constant(shape);
        if (k.isPresent()) return Optional.of(Tensors.toLongs(k.get()));
        Optional<NodeProto> concat = graph.producerNode(shape);
        if (concat.isEmpty() || !concat.get().getOpType().equals("Concat")) return Optional.empty();
        List<Long> values = new ArrayList<>();
        for (String piece : concat.get().getInputList()) {
            Optional<TensorProto> pk = graph.constant(piece);
            if (pk.isPresent()) { for (long v : Tensors.toLongs(pk.get())) values.add(v); continue; }
            // Older torch exports unsqueeze even their constants (head count, head size) into the shape.
            Optional<TensorProto> unsqueezed = unsqueezedConstant(piece);
            if (unsqueezed.isPresent()) { for (long v : Tensors.toLongs(unsqueezed.get())) values.add(v); continue; }
            // A run-time value (batch, sequence length): an Unsqueeze of a scalar, or a Gather of one index.
            Optional<NodeProto> u = graph.producerNode(piece);
            boolean single = u.isPresent() && (u.get().getOpType().equals("Unsqueeze")
                    || u.get().getOpType().equals("Gather") && graph.constant(u.get().getInput(1)).filter(i -> Tensors.elementCount(i) == 1).isPresent());
            if (!single) return Optional.empty();
            values.add(-1L);
        }
        return Optional.of(values.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * Records where the unit count is spelled in a Reshape's shape: element {@code position} (negative counts
     * from the end) must become {@code kept * factor}. A -1 or 0 there needs no patch; a run-time value fails.
     */
    private boolean patchFor(int reshapeNode, int heads, int factor, int position, java.util.Collection<ShapePatch> patches) {
        Optional<long[]> target = reshapeTarget(reshapeNode);
        if (target.isEmpty()) return false;
        int pos = position < 0 ? target.get().length + position : position;
        long expected = (long) heads * factor;
        long actual = target.get()[pos];
        if (actual == -1 || actual == 0) return target.get().length > pos;
        if (actual != expected) return false;
        String shape = graph.node(reshapeNode).getInput(1);
        if (graph.constant(shape).isPresent()) {
            patches.add(new ShapePatch(reshapeNode, 1, pos, factor));
            return true;
        }
        int ci = graph.producer(shape);
        NodeProto concat = graph.node(ci);
        int offset = 0;
        for (int i = 0; i < concat.getInputCount(); i++) {
            Optional<TensorProto> pk = graph.constant(concat.getInput(i));
            Optional<TensorProto> unsqueezed = unsqueezedConstant(concat.getInput(i));
            int len = pk.or(() -> unsqueezed).map(t -> (int) Tensors.elementCount(t)).orElse(1);
            if (pos < offset + len) {
                if (pk.isPresent()) { patches.add(new ShapePatch(ci, i, pos - offset, factor)); return true; }
                if (unsqueezed.isEmpty()) return false;
                patches.add(new ShapePatch(graph.producer(concat.getInput(i)), 0, pos - offset, factor));
                return true;
            }
            offset += len;
        }
        return false;
    }

    /** The value of {@code Unsqueeze(constant)} (its data input is the constant; the axes do not change the values). */
    private Optional<TensorProto> unsqueezedConstant(String tensor) {
        Optional<NodeProto> u = graph.producerNode(tensor);
        if (u.isEmpty() || !u.get().getOpType().equals("Unsqueeze")) return Optional.empty();
        return graph.constant(u.get().getInput(0));
    }
}
