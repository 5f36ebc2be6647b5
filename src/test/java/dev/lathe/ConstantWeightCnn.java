package dev.lathe;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.lathe.TinyGraphs.ints;

/**
 * A small CNN written the way paddle2onnx and TensorFlow converters write one: every weight a {@code Constant} node
 * (one behind an Identity, the classifier's behind a Transpose), IR version 3, BatchNormalization kept,
 * hard-swish spelled HardSigmoid then Mul, ReLU6 as Clip, an explicit Pad, nearest upsampling, a depthwise
 * convolution gated by HardSigmoid and a residual Add. Opset 9 uses the attribute forms of Clip and Pad and
 * Upsample; opset 11 and later their input forms and Resize, and 14 HardSwish.
 */
public final class ConstantWeightCnn {
    private ConstantWeightCnn() {}

    /** Elements of every weight, bias and BatchNormalization statistic: what inspect must count. */
    public static final long PARAMETERS = (8 * 3 * 9 + 8) + 4 * 8 + (16 * 8 * 9 + 16) + 4 * 16 + (16 * 9 + 16) + 4 * 16
            + (16 * 16 + 16) + 4 * 16 + (8 * 16 * 9 + 8) + 4 * 8 + (10 * 8 + 10);

    /**
     * Writes the CNN at {@code opset}. {@code silent} channels of the second convolution's space are zero wherever
     * they are written (the second and the pointwise convolution, their BatchNormalizations' mean and shift), so
     * removing them leaves every output as it was.
     */
    public static Path write(Path dir, int opset, int... silent) throws Exception {
        TinyGraphs t = new TinyGraphs(opset);
        float[] w2 = TinyGraphs.gaussian(16 * 8 * 9, 5), b2 = TinyGraphs.gaussian(16, 6), wp = TinyGraphs.gaussian(16 * 16, 8), bp = TinyGraphs.gaussian(16, 9);
        for (int c : silent) { Arrays.fill(w2, c * 72, (c + 1) * 72, 0f); b2[c] = 0; Arrays.fill(wp, c * 16, (c + 1) * 16, 0f); bp[c] = 0; }
        t.weight("c1.w", 8, 3, 3, 3).weight("c1.b", 8).tensor("c2.w", new long[] {16, 8, 3, 3}, w2).tensor("c2.b", new long[] {16}, b2)
                .weight("dw.w", 16, 1, 3, 3).weight("dw.b", 16).tensor("pw.w", new long[] {16, 16, 1, 1}, wp).tensor("pw.b", new long[] {16}, bp)
                .weight("c5.w", 8, 16, 3, 3).weight("c5.b", 8).weight("fc.wt", 10, 8).weight("fc.b", 10);
        batchNorm(t, "bn1", 8);
        batchNorm(t, "bn2", 16, silent);
        batchNorm(t, "bn3", 16);
        batchNorm(t, "bn4", 16, silent);
        batchNorm(t, "bn5", 8);
        t.input("image", "batch", 3, 16, 16)
                .node("Conv", "c1", List.of("image", "c1.w", "c1.b"), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1))
                .node("BatchNormalization", "bn1", List.of("c1", "bn1.s", "bn1.b", "bn1.m", "bn1.v"));
        if (opset >= 14) t.node("HardSwish", "a1", List.of("bn1"));
        else t.node("HardSigmoid", "hs1", List.of("bn1"), real("alpha", 1 / 6f)).node("Mul", "a1", List.of("bn1", "hs1"));
        if (opset >= 11) t.longs("pads", 0, 0, 1, 1, 0, 0, 1, 1).node("Pad", "p", List.of("a1", "pads"));
        else t.node("Pad", "p", List.of("a1"), ints("pads", 0, 0, 1, 1, 0, 0, 1, 1));
        t.raw(NodeProto.newBuilder().setOpType("Identity").setName("c2.w.id").addInput("c2.w").addOutput("c2.w.id").build())
                .node("Conv", "c2", List.of("p", "c2.w.id", "c2.b"))
                .node("BatchNormalization", "bn2", List.of("c2", "bn2.s", "bn2.b", "bn2.m", "bn2.v"));
        if (opset >= 11) t.tensor("zero", new long[0], new float[] {0}).tensor("six", new long[0], new float[] {6}).node("Clip", "a2", List.of("bn2", "zero", "six"));
        else t.node("Clip", "a2", List.of("bn2"), real("min", 0f), real("max", 6f));
        t.node("Conv", "dw", List.of("a2", "dw.w", "dw.b"), ints("pads", 1, 1, 1, 1), TinyGraphs.integer("group", 16))
                .node("BatchNormalization", "bn3", List.of("dw", "bn3.s", "bn3.b", "bn3.m", "bn3.v"))
                .node("HardSigmoid", "gate", List.of("bn3")).node("Mul", "y", List.of("gate", "a2"))
                .node("Conv", "pw", List.of("y", "pw.w", "pw.b"))
                .node("BatchNormalization", "bn4", List.of("pw", "bn4.s", "bn4.b", "bn4.m", "bn4.v"))
                .node("Add", "r", List.of("a2", "bn4"))
                .tensor("scales", new long[] {4}, new float[] {1, 1, 2, 2});
        if (opset >= 11) t.node("Resize", "up", List.of("r", "", "scales"), text("mode", "nearest"),
                text("coordinate_transformation_mode", "asymmetric"), text("nearest_mode", "floor"));
        else t.node("Upsample", "up", List.of("r", "scales"), text("mode", "nearest"));
        t.node("Conv", "c5", List.of("up", "c5.w", "c5.b"), ints("pads", 1, 1, 1, 1))
                .node("BatchNormalization", "bn5", List.of("c5", "bn5.s", "bn5.b", "bn5.m", "bn5.v"))
                .node("Relu", "a5", List.of("bn5")).node("GlobalAveragePool", "gp", List.of("a5")).node("Flatten", "f", List.of("gp"))
                .node("Transpose", "fc.w", List.of("fc.wt"), ints("perm", 1, 0))
                .node("Gemm", "logits", List.of("f", "fc.w", "fc.b"))
                .output("logits", "batch", 10);
        ModelProto built = t.model(opset).proto();
        Path file = dir.resolve("cnn-opset" + opset + ".onnx");
        Files.write(file, asConstantNodes(built).toByteArray());
        return file;
    }

    /** Every initializer as a Constant node at the head of the graph, in an IR 3 model, as paddle2onnx writes them. */
    public static ModelProto asConstantNodes(ModelProto m) {
        GraphProto.Builder g = m.getGraph().toBuilder().clearInitializer().clearNode();
        for (TensorProto t : m.getGraph().getInitializerList())
            g.addNode(NodeProto.newBuilder().setOpType("Constant").setName(t.getName()).addOutput(t.getName())
                    .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t)));
        g.addAllNode(m.getGraph().getNodeList());
        return m.toBuilder().setIrVersion(3).setGraph(g).build();
    }

    /** Scale, shift, mean and variance; {@code zeroed} channels get no shift and no mean, so zero stays zero. */
    private static void batchNorm(TinyGraphs t, String name, int n, int... zeroed) {
        float[] shift = TinyGraphs.gaussian(n, name.hashCode()), mean = TinyGraphs.gaussian(n, name.hashCode() + 1);
        for (int c : zeroed) { shift[c] = 0; mean[c] = 0; }
        t.positive(name + ".s", n).tensor(name + ".b", new long[] {n}, shift).tensor(name + ".m", new long[] {n}, mean).positive(name + ".v", n);
    }

    private static AttributeProto real(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto text(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(v)).build();
    }
}
