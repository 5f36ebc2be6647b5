package dev.lathe.eval.data;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.TestModels;
import dev.lathe.model.OnnxModel;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Fixtures the data tests write themselves: digits as PNG class folders, and signature-only models. */
public final class TestData {
    private TestData() {}

    /** The first {@code count} rows of the digits test set: 64 pixel values in [0, 1] and the label last. */
    public static float[][] digitRows(int count) throws IOException {
        List<String> lines = Files.readAllLines(TestModels.samples().resolve("digits-cnn/test.csv"));
        float[][] rows = new float[count][];
        for (int i = 0; i < count; i++) {
            String[] parts = lines.get(i + 1).split(",");
            rows[i] = new float[parts.length];
            for (int j = 0; j < parts.length; j++) rows[i][j] = Float.parseFloat(parts[j]);
        }
        return rows;
    }

    /**
     * Writes the first {@code count} test digits as 8x8 16-bit grey PNGs into class folders named {@code digit-0} ..
     * {@code digit-9} (sorted names give the digit), so their pixels come back within 1/65535 of the CSV's.
     */
    public static Path digitPngFolder(Path dir, int count) throws IOException {
        float[][] rows = digitRows(count);
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
            for (int p = 0; p < 64; p++) img.getRaster().setSample(p % 8, p / 8, 0, Math.round(rows[i][p] * 65535));
            Path classDir = Files.createDirectories(dir.resolve("digit-" + (int) rows[i][64]));
            ImageIO.write(img, "png", classDir.resolve(String.format("%03d.png", i)).toFile());
        }
        return dir;
    }

    /** A model that only has a signature (an Identity from input to output), for loaders that never run it. */
    static OnnxModel signature(String input, int elemType, Object[] inputDims, Object[] outputDims) {
        GraphProto g = GraphProto.newBuilder().setName("signature")
                .addInput(value(input, elemType, inputDims))
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput(input).addOutput("scores"))
                .addOutput(value("scores", elemType, outputDims)).build();
        return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setGraph(g).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build());
    }

    /** A model with several inputs of one type and a classifier output of {@code classes}. */
    static OnnxModel inputs(int elemType, List<String> names, List<Object[]> dims, int classes) {
        GraphProto.Builder g = GraphProto.newBuilder().setName("inputs");
        for (int i = 0; i < names.size(); i++) g.addInput(value(names.get(i), elemType, dims.get(i)));
        g.addNode(NodeProto.newBuilder().setOpType("Identity").addInput(names.get(0)).addOutput("scores"));
        g.addOutput(value("scores", elemType, new Object[] {"N", classes}));
        return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setGraph(g).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build());
    }

    static ValueInfoProto value(String name, int elemType, Object[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims)
            shape.addDim(d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }
}
