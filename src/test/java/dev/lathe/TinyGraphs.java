package dev.lathe;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.Tensors;

import java.util.List;
import java.util.Random;

/** Builds small ONNX graphs in tests, one structural pattern each, with random weights. */
public final class TinyGraphs {
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny");
    private final Random random;

    public TinyGraphs(long seed) {
        this.random = new Random(seed);
    }

    public TinyGraphs weight(String name, long... dims) {
        int n = 1;
        for (long d : dims) n *= (int) d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextGaussian() * 0.5);
        return tensor(name, dims, v);
    }

    public TinyGraphs tensor(String name, long[] dims, float[] values) {
        graph.addInitializer(Tensors.floats(name, dims, values));
        return this;
    }

    public TinyGraphs longs(String name, long... values) {
        graph.addInitializer(Tensors.longs(name, new long[] {values.length}, values));
        return this;
    }

    /** A positive vector (BatchNormalization variances). */
    public TinyGraphs positive(String name, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < n; i++) v[i] = 0.5f + random.nextFloat();
        return tensor(name, new long[] {n}, v);
    }

    public TinyGraphs node(String op, String output, List<String> inputs, AttributeProto... attributes) {
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(output).addAllInput(inputs).addOutput(output).addAllAttribute(List.of(attributes)));
        return this;
    }

    /** A node built by hand (several outputs, or inputs added after the fact). */
    public TinyGraphs raw(NodeProto node) {
        graph.addNode(node);
        return this;
    }

    public TinyGraphs input(String name, Object... dims) {
        graph.addInput(value(name, dims));
        return this;
    }

    public TinyGraphs output(String name, Object... dims) {
        graph.addOutput(value(name, dims));
        return this;
    }

    public OnnxModel model(int opset) {
        return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setProducerName("lathe-tests").setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).build());
    }

    /** Reproducible Gaussian values (standard deviation 0.5), for weights a test edits before building. */
    public static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 0.5f;
        return v;
    }

    public static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) b.addInts(v);
        return b.build();
    }

    public static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** Dimensions: a Long/Integer is fixed, a String is symbolic. */
    static ValueInfoProto value(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims)
            shape.addDim(d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
