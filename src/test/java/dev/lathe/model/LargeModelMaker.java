package dev.lathe.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes an MLP whose weights lie in an external data file beside it, streamed so that making it needs no heap:
 * {@code y = Gemm(Relu(Gemm(x, W1, b1)), W2, b2)}, x of {@code width} features, {@code hidden} units. With width 8192
 * and hidden 34816 the weights are 2.28 GB, over protobuf's 2 GiB limit.
 * <pre>java -cp target/test-classes:target/classes:... dev.lathe.model.LargeModelMaker DIR [width hidden]</pre>
 */
public final class LargeModelMaker {
    private LargeModelMaker() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int width = args.length > 1 ? Integer.parseInt(args[1]) : 8192, hidden = args.length > 2 ? Integer.parseInt(args[2]) : 34816;
        Path model = write(dir, width, hidden);
        System.out.println("wrote " + model + " and " + model.resolveSibling("model.onnx.data") + " (" + Files.size(model.resolveSibling("model.onnx.data")) + " bytes)");
    }

    public static Path write(Path dir, int width, int hidden) throws IOException {
        Files.createDirectories(dir);
        Path data = dir.resolve("model.onnx.data");
        long[][] dims = {{width, hidden}, {hidden}, {hidden, width}, {width}};
        String[] names = {"w1", "b1", "w2", "b2"};
        GraphProto.Builder g = GraphProto.newBuilder().setName("large-mlp");
        SplittableRandom random = new SplittableRandom(7);
        long offset = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(data), 1 << 20)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (int t = 0; t < names.length; t++) {
                long count = 1;
                for (long d : dims[t]) count *= d;
                float std = (float) (1 / Math.sqrt(dims[t][0]));
                for (long i = 0; i < count; i++) {
                    chunk.putFloat((float) (random.nextDouble(-1, 1) * std * 1.7));
                    if (!chunk.hasRemaining()) { out.write(chunk.array(), 0, chunk.position()); chunk.clear(); }
                }
                out.write(chunk.array(), 0, chunk.position());
                chunk.clear();
                TensorProto.Builder tp = TensorProto.newBuilder().setName(names[t]).setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", data.getFileName().toString()))
                        .addExternalData(entry("offset", Long.toString(offset)))
                        .addExternalData(entry("length", Long.toString(count * 4)));
                for (long d : dims[t]) tp.addDims(d);
                g.addInitializer(tp);
                offset += count * 4;
            }
        }
        g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("fc1").addInput("x").addInput("w1").addInput("b1").addOutput("h"));
        g.addNode(NodeProto.newBuilder().setOpType("Relu").setName("relu").addInput("h").addOutput("a"));
        g.addNode(NodeProto.newBuilder().setOpType("Gemm").setName("fc2").addInput("a").addInput("w2").addInput("b2").addOutput("y"));
        g.addInput(value("x", width));
        g.addOutput(value("y", width));
        ModelProto m = ModelProto.newBuilder().setIrVersion(8).setProducerName("lathe-large-model-maker").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).build();
        Path file = dir.resolve("model.onnx");
        Files.write(file, m.toByteArray());
        return file;
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private static ValueInfoProto value(String name, int width) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))))).build();
    }

    static List<String> names() { return List.of("w1", "b1", "w2", "b2"); }
}
