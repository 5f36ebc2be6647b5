package dev.lathe.ui.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.TestModels;
import dev.lathe.model.OnnxModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layered layout of ONNX graphs: every node gets a place of its own, no two boxes of a layer overlap, every
 * edge runs downwards, and constants sit right above their reader. Prints the layout times of MiniLM and of a
 * generated 5000-node graph (no timing is asserted).
 */
class GraphLayoutTest {
    @Tag("minilm")
    @Test
    void miniLmIsLaidOutInLayersWithEveryEdgeGoingDown() {
        ModelProto proto = OnnxModel.load(TestModels.minilm()).proto();
        GraphModel g = GraphModel.of(proto);
        long start = System.nanoTime();
        GraphLayout l = GraphLayout.of(g);
        long wall = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("graph layout: all-MiniLM-L6-v2, %d nodes, %d edges, %d layers: %d ms%n",
                g.nodes().size(), g.edges().size(), l.layerCount, wall);
        // Its 692 operators, three graph inputs and its outputs.
        assertEquals(692, proto.getGraph().getNodeCount());
        assertEquals(692 + 3 + proto.getGraph().getOutputCount(), g.nodes().size());
        assertWellFormed(g, l);
        // The three inputs share the top layer; a Constant sits right above the node that reads it.
        for (GraphModel.Node n : g.nodes()) if (n.kind() == GraphModel.Kind.INPUT) assertEquals(0, l.layer[n.id()], n.name());
        GraphModel.Node constant = g.nodes().stream().filter(n -> n.opType().equals("Constant")).findFirst().orElseThrow();
        for (GraphModel.Edge e : g.edges()) if (e.from() == constant.id()) assertEquals(l.layer[e.to()] - 1, l.layer[constant.id()]);
        // Initializers are not nodes, but their shapes are known.
        GraphModel.Node query = g.nodes().stream().filter(n -> n.name().equals("/encoder/layer.0/attention/self/query/MatMul")).findFirst().orElseThrow();
        assertEquals(List.of("384", "384"), g.tensor(query.inputs().get(1)).dims());
        assertTrue(g.tensor(query.inputs().get(1)).initializer());
    }

    @Test
    void fiveThousandNodeGraphIsLaidOutQuicklyEnoughToBrowse() {
        GraphModel g = GraphModel.of(chainWithBranches(5000));
        long start = System.nanoTime();
        GraphLayout l = GraphLayout.of(g);
        long wall = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("graph layout: generated chain with branches, %d nodes, %d edges, %d layers: %d ms%n",
                g.nodes().size(), g.edges().size(), l.layerCount, wall);
        assertEquals(5000 + 2, g.nodes().size());
        assertWellFormed(g, l);
        // A branch and the main path it leaves from sit side by side, not on top of each other.
        assertTrue(l.layerNodes[l.layer[g.nodes().size() - 2]].length >= 1);
    }

    @Test
    void diamondPutsBothArmsInOneLayerSideBySide() {
        // x -> a -> {b, c} -> d -> y
        GraphProto.Builder gb = GraphProto.newBuilder().addInput(io("x")).addOutput(io("y"));
        gb.addNode(node("Relu", "a", "x"));
        gb.addNode(node("Relu", "b", "a"));
        gb.addNode(node("Sigmoid", "c", "a"));
        gb.addNode(node("Add", "y", "b", "c"));
        GraphModel g = GraphModel.of(ModelProto.newBuilder().setGraph(gb).build());
        GraphLayout l = GraphLayout.of(g);
        int x = 0, a = 1, b = 2, c = 3, d = 4, y = 5;
        assertEquals(List.of(0, 1, 2, 2, 3, 4), List.of(l.layer[x], l.layer[a], l.layer[b], l.layer[c], l.layer[d], l.layer[y]));
        assertNotEquals(l.x[b], l.x[c]);
        // The join sits between its two arms, under the node they share.
        assertTrue(Math.min(l.x[b], l.x[c]) < l.x[d] && l.x[d] < Math.max(l.x[b], l.x[c]));
        assertEquals(l.x[a], l.x[d], 1e-6);
        assertEquals(a, l.nodeAt(l.x[a], l.y[a]));
        assertEquals(-1, l.nodeAt(l.x[a], l.y[a] + GraphLayout.NODE_HEIGHT));
    }

    @Test
    void aCycleDoesNotStopTheLayout() {
        GraphProto.Builder gb = GraphProto.newBuilder().addInput(io("x")).addOutput(io("y"));
        gb.addNode(node("Add", "a", "x", "c"));
        gb.addNode(node("Relu", "b", "a"));
        gb.addNode(node("Relu", "c", "b"));
        gb.addNode(node("Relu", "y", "c"));
        GraphLayout l = GraphLayout.of(GraphModel.of(ModelProto.newBuilder().setGraph(gb).build()));
        assertEquals(1, l.straightEdges.length, "the edge closing the cycle is drawn straight");
    }

    /** Every node at its own place, boxes of a layer apart, every edge from a layer to a later one with a route. */
    private static void assertWellFormed(GraphModel g, GraphLayout l) {
        Set<String> places = new HashSet<>();
        for (GraphModel.Node n : g.nodes()) assertTrue(places.add(l.x[n.id()] + "," + l.y[n.id()]), "two nodes at one place: " + n.name());
        int counted = 0;
        for (int layer = 0; layer < l.layerCount; layer++) {
            int[] row = l.layerNodes[layer];
            counted += row.length;
            for (int i = 1; i < row.length; i++)
                assertTrue(l.x[row[i]] - l.width[row[i]] / 2 >= l.x[row[i - 1]] + l.width[row[i - 1]] / 2 + GraphLayout.DUMMY_GAP - 1e-6,
                        "boxes overlap in layer " + layer);
        }
        assertEquals(g.nodes().size(), counted);
        for (int e = 0; e < g.edges().size(); e++) {
            GraphModel.Edge edge = g.edges().get(e);
            assertTrue(l.layer[edge.to()] > l.layer[edge.from()], "edge " + edge + " does not go down");
            assertTrue(l.y[edge.to()] > l.y[edge.from()]);
            float[] ry = l.routeY[e];
            for (int i = 1; i < ry.length; i++) assertTrue(ry[i] >= ry[i - 1], "route of " + edge + " turns up");
            assertEquals(l.x[edge.from()], l.routeX[e][0], 1e-3);
            assertEquals(l.x[edge.to()], l.routeX[e][l.routeX[e].length - 1], 1e-3);
        }
        assertEquals(0, l.straightEdges.length);
    }

    /**
     * {@code count} operators: a chain of Relu where every 10th node also starts a two-node side branch that
     * an Add joins back three nodes further down (a residual-like pattern), in ONNX's topological order.
     */
    static ModelProto chainWithBranches(int count) {
        GraphProto.Builder gb = GraphProto.newBuilder().addInput(io("x"));
        String main = "x";
        int made = 0;
        String pendingBranch = null;
        int joinAt = -1;
        while (made < count) {
            if (made == joinAt && pendingBranch != null && made < count) {
                String out = "n" + made;
                gb.addNode(node("Add", out, main, pendingBranch));
                main = out;
                pendingBranch = null;
                made++;
                continue;
            }
            if (made % 10 == 0 && pendingBranch == null && made + 6 < count) {
                String b1 = "b" + made, b2 = "c" + made;
                gb.addNode(node("Sigmoid", b1, main));
                gb.addNode(node("Tanh", b2, b1));
                pendingBranch = b2;
                made += 2;
                joinAt = made + 3;
                continue;
            }
            String out = "n" + made;
            gb.addNode(node("Relu", out, main));
            main = out;
            made++;
        }
        gb.addOutput(io(main));
        return ModelProto.newBuilder().setGraph(gb).build();
    }

    private static NodeProto node(String op, String out, String... in) {
        return NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(List.of(in)).addOutput(out).build();
    }

    private static ai.onnx.proto.OnnxMl.ValueInfoProto io(String name) {
        return ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName(name).build();
    }
}
