package dev.lathe.analysis.pattern;

import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.model.MutableGraph;

/**
 * How groups, genomes and transforms name a node: its name, or its first output where the exporter left it unnamed.
 * Names survive the insertions and removals of other transforms, which node indices do not.
 */
public final class NodeNames {
    private NodeNames() {}

    public static String id(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    /** Index of the node {@link #id} names in the graph as it is now, or -1. */
    public static int indexOf(MutableGraph g, String id) {
        for (int i = 0; i < g.nodeCount(); i++) if (id(g.node(i)).equals(id)) return i;
        return -1;
    }

    /** As {@link #indexOf}, for a node that must be there: its absence is an error naming it. */
    public static int require(MutableGraph g, String id) {
        int i = indexOf(g, id);
        if (i < 0) throw new IllegalStateException("node " + id + " is not in the graph");
        return i;
    }
}
