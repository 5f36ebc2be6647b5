package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Output channels of a Conv (group 1) with everything coupled to them, found by following their
 * {@link ChannelSpace}: forward through channel-wise operators to every Conv that reads them and to a classifier
 * behind a global pool, and across element-wise joins (residual Add, squeeze-and-excitation Mul) back to every
 * other Conv that writes into the same space, whose filters are then removed together. Channels normalized by a
 * GroupNorm (the operator, or torch's Reshape/InstanceNormalization/Reshape) are removed a whole norm group at a time.
 */
public final class ConvChannelFinder implements StructureFinder<PrunableGroup> {
    @Override
    public List<PrunableGroup> find(MutableGraph graph, Reasons reasons) {
        List<PrunableGroup> groups = new ArrayList<>();
        Set<String> tied = new HashSet<>(); // weights of convolutions already in a channel group as producers
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            if (!isConvolution(n)) continue;
            String id = NodeNames.id(n);
            TensorProto w = graph.initializer(n.getInput(1));
            if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE || w.getDimsCount() < 3) continue;
            if (n.getOpType().equals("Conv") && isDepthwise(n, w)) continue; // passes channels through; pruned with the group that feeds it
            if (MutableGraph.intAttribute(n, "group", 1) != 1) { reasons.put(id, "grouped convolution (only depthwise ones pass channels through)"); continue; }
            if (tied.contains(w.getName())) continue;
            ChannelSpace space = new ChannelSpace(graph, w.getDims(outputAxis(n)));
            String failure = space.explore(i);
            if (failure != null) { reasons.note(id, failure); continue; }
            tied.addAll(space.producerWeights);
            String name = space.producerWeights.size() > 1 ? id + " (+" + (space.producerWeights.size() - 1) + " tied)" : id;
            if (space.normGroups > 0) {
                // Through a GroupNorm a unit is one norm group: patches that count channels count them per group.
                int perGroup = (int) (space.channels / space.normGroups);
                List<PrunableGroup.AttributePatch> attributes = new ArrayList<>(space.groupAttributes);
                for (var a : space.attributes) attributes.add(new PrunableGroup.AttributePatch(a.node(), a.attribute(), a.position(), a.factor() * perGroup));
                List<PrunableGroup.ShapePatch> patches = new ArrayList<>(space.groupPatches);
                for (var p : space.patches) patches.add(new PrunableGroup.ShapePatch(p.node(), p.inputIndex(), p.position(), p.factor() * perGroup));
                groups.add(new PrunableGroup("conv:" + id, GroupKind.CONV_CHANNELS, name + " (" + space.normGroups + " norm groups of " + perGroup + ")",
                        (int) space.normGroups, perGroup, space.slices, patches, null, attributes, null));
                continue;
            }
            groups.add(new PrunableGroup("conv:" + id, GroupKind.CONV_CHANNELS, name, (int) space.channels, 1, space.slices, space.patches,
                    consumer(graph, space), space.attributes, null));
        }
        return groups;
    }

    /** The one layer reading the channels, when there is one and a refit can treat it as a matrix. */
    private static PrunableGroup.Consumer consumer(MutableGraph graph, ChannelSpace space) {
        if (space.exits.size() != 1 || space.concatenated) return null;
        NodeProto reader = space.exits.get(0);
        if (reader.getOpType().equals("ConvTranspose")) return null; // no refit over transposed windows yet
        if (reader.getOpType().equals("Conv"))
            return new PrunableGroup.Consumer(reader.getInput(0), reader.getInput(1), true,
                    reader.getInputCount() > 2 && graph.initializer(reader.getInput(2)) != null ? reader.getInput(2) : null, true);
        return PrunableGroup.Consumer.of(LinearLayer.of(graph, reader).orElseThrow());
    }

    static boolean isConvolution(NodeProto n) {
        return n.getOpType().equals("Conv") || n.getOpType().equals("ConvTranspose");
    }

    /** The filter axis that runs over output channels: 0 for Conv, 1 for ConvTranspose ([in, out/group, kernel...]). */
    static int outputAxis(NodeProto n) {
        return n.getOpType().equals("ConvTranspose") ? 1 : 0;
    }

    static int inputAxis(NodeProto n) {
        return n.getOpType().equals("ConvTranspose") ? 0 : 1;
    }

    /** One input channel per filter and as many groups as filters: the channels pass straight through. */
    static boolean isDepthwise(NodeProto conv, TensorProto w) {
        long group = MutableGraph.intAttribute(conv, "group", 1);
        return group > 1 && w.getDimsCount() >= 3 && w.getDims(1) == 1 && w.getDims(0) == group;
    }
}
