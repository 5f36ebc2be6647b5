package dev.lathe.analysis.pattern;

import dev.lathe.TinyGraphs;
import dev.lathe.model.MutableGraph;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.lathe.TinyGraphs.integer;
import static org.junit.jupiter.api.Assertions.*;

/** The one rule for a linear layer and its bias, which finders and precision transforms share. */
class LinearLayerTest {
    /** x -> MatMul(w [4, 6]) -> Add(b [6]) -> h; x -> Gemm(wt [5, 4], transB, c scalar) -> g; h -> MatMul(w2 [6, 3]) read twice. */
    static MutableGraph graph() {
        return MutableGraph.of(new TinyGraphs(3)
                .weight("w", 4, 6).weight("b", 6).weight("wt", 5, 4).weight("c", 1).weight("w2", 6, 3)
                .input("x", "n", 4)
                .node("MatMul", "mm", List.of("x", "w")).node("Add", "h", List.of("mm", "b"))
                .node("Gemm", "g", List.of("x", "wt", "c"), integer("transB", 1))
                .node("MatMul", "y", List.of("h", "w2")).node("Relu", "y1", List.of("y")).node("Sigmoid", "y2", List.of("y"))
                .output("g", "n", 5).output("y1", "n", 3).output("y2", "n", 3)
                .model(13));
    }

    @Test
    void aMatMulTakesTheBiasOfTheAddAfterItAndEndsThere() {
        MutableGraph g = graph();
        LinearLayer l = LinearLayer.of(g, g.node(0)).orElseThrow();
        assertEquals(new LinearLayer("mm", "MatMul", "x", "w", 4, 6, 0, 1, "b", "h", "h", false, false), l);
        assertEquals(l, LinearLayer.producing(g, "h").orElseThrow(), "found again from its output, after the bias");
        assertTrue(LinearLayer.producing(g, "mm").isEmpty(), "the product before the bias is not the layer's output");
    }

    @Test
    void aTransposedGemmReadsItsWeightTheOtherWayAndAScalarCIsNoBiasVector() {
        MutableGraph g = graph();
        LinearLayer l = LinearLayer.of(g, g.node(2)).orElseThrow();
        assertEquals(4, l.inputs());
        assertEquals(5, l.outputs());
        assertTrue(l.transposed());
        assertNull(l.bias());
        assertTrue(l.scalarBias());
        assertEquals("g", l.output());
    }

    @Test
    void aMatMulWhoseOutputHasTwoReadersHasNoBiasAddAndAnAddIsNoLayer() {
        MutableGraph g = graph();
        LinearLayer l = LinearLayer.of(g, g.node(3)).orElseThrow();
        assertNull(l.biasAdd());
        assertNull(l.bias());
        assertEquals("y", l.output());
        assertTrue(LinearLayer.of(g, g.node(1)).isEmpty());
    }
}
