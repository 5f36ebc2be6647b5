package dev.lathe.transform.distill;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.lathe.Numerics;
import dev.lathe.TinyGraphs;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.lathe.TinyGraphs.integer;
import static dev.lathe.TinyGraphs.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor's forward pass against ONNX Runtime, one small graph per operator (or per variant that has its own code). */
class ExecutorOperatorsTest {
    /** float32 kernels differ in summation order only: agreement to 1e-4 of the output's scale. */
    private static final double TOLERANCE = 1e-4;

    record Case(String name, OnnxModel model, long[] inputShape) {
        @Override public String toString() { return name; }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case("Gemm transB alpha beta", new TinyGraphs(1).weight("w", 3, 4).weight("b", 3)
                        .node("Gemm", "y", List.of("x", "w", "b"), integer("transB", 1), real("alpha", 0.5f), real("beta", 2f))
                        .input("x", 2, 4).output("y", 2, 3).model(13), new long[] {2, 4}),
                new Case("MatMul batched", new TinyGraphs(2).weight("w", 4, 5)
                        .node("MatMul", "y", List.of("x", "w")).input("x", 2, 3, 4).output("y", 2, 3, 5).model(13), new long[] {2, 3, 4}),
                new Case("Conv groups, stride, asymmetric pads", new TinyGraphs(3).weight("w", 4, 2, 3, 3)
                        .node("Conv", "y", List.of("x", "w"), ints("pads", 1, 1, 0, 0), ints("strides", 2, 2), integer("group", 2))
                        .input("x", 1, 4, 6, 6).output("y").model(13), new long[] {1, 4, 6, 6}),
                new Case("Conv depthwise SAME_UPPER with bias", new TinyGraphs(4).weight("w", 3, 1, 3, 3).weight("b", 3)
                        .node("Conv", "y", List.of("x", "w", "b"), str("auto_pad", "SAME_UPPER"), integer("group", 3))
                        .input("x", 2, 3, 7, 7).output("y").model(13), new long[] {2, 3, 7, 7}),
                new Case("ConvTranspose stride 2, pads, output_padding", new TinyGraphs(5).weight("w", 3, 2, 3, 3).weight("b", 2)
                        .node("ConvTranspose", "y", List.of("x", "w", "b"), ints("strides", 2, 2), ints("pads", 1, 0, 0, 1), ints("output_padding", 1, 1))
                        .input("x", 1, 3, 4, 4).output("y").model(13), new long[] {1, 3, 4, 4}),
                new Case("BatchNormalization", new TinyGraphs(6).weight("s", 3).weight("b", 3).weight("m", 3).positive("v", 3)
                        .node("BatchNormalization", "y", List.of("x", "s", "b", "m", "v"), real("epsilon", 1e-3f))
                        .input("x", 2, 3, 4, 4).output("y").model(13), new long[] {2, 3, 4, 4}),
                new Case("MaxPool padded", new TinyGraphs(7)
                        .node("MaxPool", "y", List.of("x"), ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1))
                        .input("x", 1, 2, 7, 7).output("y").model(13), new long[] {1, 2, 7, 7}),
                new Case("AveragePool padded, ceil", new TinyGraphs(7)
                        .node("AveragePool", "y", List.of("x"), ints("kernel_shape", 2, 2), ints("pads", 1, 1, 1, 1), integer("ceil_mode", 1))
                        .input("x", 1, 2, 7, 7).output("y").model(13), new long[] {1, 2, 7, 7}),
                new Case("MaxPool, AveragePool without pads counted", new TinyGraphs(7)
                        .node("MaxPool", "p", List.of("x"), ints("kernel_shape", 3, 3), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1))
                        .node("AveragePool", "y", List.of("p"), ints("kernel_shape", 2, 2), ints("pads", 1, 1, 1, 1), integer("ceil_mode", 1))
                        .input("x", 1, 2, 7, 7).output("y").model(13), new long[] {1, 2, 7, 7}),
                new Case("GlobalAveragePool, Flatten, Relu", new TinyGraphs(8)
                        .node("GlobalAveragePool", "g", List.of("x")).node("Flatten", "f", List.of("g")).node("Relu", "y", List.of("f"))
                        .input("x", 2, 3, 4, 4).output("y").model(13), new long[] {2, 3, 4, 4}),
                new Case("Resize nearest x2", new TinyGraphs(9).tensor("scales", new long[] {4}, new float[] {1, 1, 2, 2})
                        .raw(NodeProto.newBuilder().setOpType("Resize").setName("y").addInput("x").addInput("").addInput("scales").addOutput("y")
                                .addAttribute(str("mode", "nearest")).build())
                        .input("x", 1, 2, 3, 3).output("y").model(13), new long[] {1, 2, 3, 3}),
                new Case("layer norm written out (ReduceMean Sub Pow Sqrt Div Mul Add)", layerNormChain(), new long[] {2, 3, 8}),
                new Case("Softmax Erf Tanh Sigmoid", new TinyGraphs(11)
                        .node("Softmax", "s", List.of("x"), integer("axis", 1)).node("Erf", "e", List.of("s"))
                        .node("Tanh", "t", List.of("x")).node("Sigmoid", "g", List.of("t")).node("Add", "y", List.of("e", "g"))
                        .input("x", 2, 5, 3).output("y").model(13), new long[] {2, 5, 3}),
                new Case("dynamic reshape (Shape Gather Unsqueeze Concat Reshape Transpose)", dynamicReshape(), new long[] {2, 3, 8}),
                new Case("Slice with negative step and axes", new TinyGraphs(13).longs("st", -1, 1).longs("en", Long.MIN_VALUE, 6).longs("ax", 1, 2).longs("sp", -2, 2)
                        .node("Slice", "y", List.of("x", "st", "en", "ax", "sp")).input("x", 2, 5, 7).output("y").model(13), new long[] {2, 5, 7}),
                new Case("Gather axis 1 with an index matrix", gatherAxis1(), new long[] {2, 5, 3}),
                new Case("Split Where Greater Expand Squeeze", splitWhere(), new long[] {1, 4, 6}),
                new Case("LayerNormalization HardSwish Clip", new TinyGraphs(16).weight("g", 6).weight("b", 6)
                        .tensor("lo", new long[] {}, new float[] {-0.3f}).tensor("hi", new long[] {}, new float[] {0.4f})
                        .node("LayerNormalization", "n", List.of("x", "g", "b"), real("epsilon", 1e-5f)).node("HardSwish", "h", List.of("n"))
                        .node("Clip", "y", List.of("h", "lo", "hi")).input("x", 3, 6).output("y").model(17), new long[] {3, 6}))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void forwardMatchesOnnxRuntime(Case c) throws Exception {
        int n = 1;
        for (long d : c.inputShape()) n *= (int) d;
        Map<String, TensorData> in = Map.of("x", TensorData.ofFloats(c.inputShape(), TinyGraphs.gaussian(n, 99)));
        TensorData expected;
        try (OrtRunner ort = OrtRunner.of(c.model(), OrtRunner.RunnerSettings.cpu(1))) {
            expected = ort.run(in).get("y");
        }
        TensorData got;
        try (GraphExecutor executor = GraphExecutor.load(c.model())) {
            got = executor.run(in).get("y");
        }
        assertArrayEquals(expected.shape(), got.shape(), c.name() + ": shape");
        double scale = 0;
        for (float v : expected.floats()) scale = Math.max(scale, Math.abs(v));
        assertTrue(Numerics.maxAbsDiff(expected.floats(), got.floats()) <= TOLERANCE * Math.max(1, scale),
                c.name() + ": max difference " + Numerics.maxAbsDiff(expected.floats(), got.floats()));
    }

    @Test
    void unsupportedOperatorIsRefusedByName() {
        OnnxModel model = new TinyGraphs(20).node("Relu", "r", List.of("x")).node("Einsum", "e", List.of("r", "r"), str("equation", "ij,ij->ij"))
                .node("NonMaxSuppression", "y", List.of("e")).input("x", 2, 2).output("y").model(13);
        UnsupportedOperatorException e = assertThrows(UnsupportedOperatorException.class, () -> GraphExecutor.load(model));
        assertEquals(java.util.Set.of("Einsum", "NonMaxSuppression"), e.operators());
        assertTrue(e.getMessage().contains("Einsum, NonMaxSuppression"), e.getMessage());
    }

    private static OnnxModel layerNormChain() {
        return new TinyGraphs(10).weight("g", 8).weight("b", 8).tensor("two", new long[] {}, new float[] {2})
                .tensor("eps", new long[] {}, new float[] {1e-5f})
                .node("ReduceMean", "m", List.of("x"), ints("axes", -1)).node("Sub", "c", List.of("x", "m"))
                .node("Pow", "p", List.of("c", "two")).node("ReduceMean", "v", List.of("p"), ints("axes", -1))
                .node("Add", "ve", List.of("v", "eps")).node("Sqrt", "s", List.of("ve")).node("Div", "n", List.of("c", "s"))
                .node("Mul", "ng", List.of("n", "g")).node("Add", "y", List.of("ng", "b"))
                .input("x", 2, 3, 8).output("y").model(13);
    }

    /** [b, s, 8] -> [b, s, 2, 4] -> [b, 2, s, 4], the head split of attention, with the shape read at run time. */
    private static OnnxModel dynamicReshape() {
        return new TinyGraphs(12).longs("i0", 0).longs("i1", 1).longs("heads", 2, 4)
                .raw(NodeProto.newBuilder().setOpType("Shape").setName("sh").addInput("x").addOutput("sh").build())
                .node("Gather", "d0", List.of("sh", "i0")).node("Gather", "d1", List.of("sh", "i1"))
                .node("Concat", "target", List.of("d0", "d1", "heads"), integer("axis", 0))
                .node("Reshape", "r", List.of("x", "target")).node("Transpose", "y", List.of("r"), ints("perm", 0, 2, 1, 3))
                .input("x", "batch", "seq", 8).output("y").model(13);
    }

    private static OnnxModel gatherAxis1() {
        return new TinyGraphs(14)
                .raw(constantLongs("idx", new long[] {2, 2}, new long[] {4, 0, -1, 2}))
                .node("Gather", "y", List.of("x", "idx"), integer("axis", 1))
                .input("x", 2, 5, 3).output("y").model(13);
    }

    private static OnnxModel splitWhere() {
        return new TinyGraphs(15).longs("parts", 2, 4).longs("shape", 3, 1, 1).longs("last", 2)
                .tensor("zero", new long[] {}, new float[] {0})
                .raw(NodeProto.newBuilder().setOpType("Split").setName("split").addInput("x").addInput("parts").addOutput("a").addOutput("b")
                        .addAttribute(integer("axis", 2)).build())
                .node("Greater", "gt", List.of("a", "zero")).node("Neg", "na", List.of("a")).node("Where", "w", List.of("gt", "a", "na"))
                .node("ReduceMean", "wm", List.of("w"), ints("axes", 2)).node("ReduceSum", "s", List.of("b", "last"))
                .node("Add", "t", List.of("s", "wm")).node("Expand", "e", List.of("t", "shape")).node("Squeeze", "y", List.of("e", "last"))
                .input("x", 1, 4, 6).output("y").model(13);
    }

    static NodeProto constantLongs(String name, long[] dims, long[] values) {
        return NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(dev.lathe.model.Tensors.longs(name, dims, values))).build();
    }

    static AttributeProto real(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto str(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }
}
