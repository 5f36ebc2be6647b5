package dev.lathe.eval.worker;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.Tensors;

/**
 * Candidates that go wrong in the ways the measurement worker must survive, all taking the digits MLP's
 * input ({@code input}, float [batch, 64}) so they are fed exactly like a real candidate.
 */
public final class PoisonModels {
    private PoisonModels() {}

    /** An operator from a domain ONNX Runtime has never heard of: session creation fails with an error. */
    public static OnnxModel customOperator() {
        GraphProto g = GraphProto.newBuilder().setName("custom")
                .addNode(NodeProto.newBuilder().setOpType("Frobnicate").setDomain("com.example.custom").addInput("input").addOutput("logits"))
                .addInput(floats("input", "batch", 64L)).addOutput(floats("logits", "batch", 64L)).build();
        return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example.custom").setVersion(1)).build());
    }

    /** A Loop that runs 10^15 times: the first inference never ends, so only a timeout stops it. */
    public static OnnxModel endlessLoop() {
        GraphProto body = GraphProto.newBuilder().setName("body")
                .addInput(scalar("i", TensorProto.DataType.INT64_VALUE)).addInput(scalar("cond_in", TensorProto.DataType.BOOL_VALUE))
                .addInput(floats("v_in", "batch", 64L))
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("cond_in").addOutput("cond_out"))
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("v_in").addOutput("v_out"))
                .addOutput(scalar("cond_out", TensorProto.DataType.BOOL_VALUE)).addOutput(floats("v_out", "batch", 64L)).build();
        GraphProto g = GraphProto.newBuilder().setName("endless")
                .addInitializer(Tensors.longs("trips", new long[0], new long[] {1_000_000_000_000_000L}))
                .addInitializer(TensorProto.newBuilder().setName("keep_going").setDataType(TensorProto.DataType.BOOL_VALUE)
                        .setRawData(ByteString.copyFrom(new byte[] {1})))
                .addNode(NodeProto.newBuilder().setOpType("Loop").addInput("trips").addInput("keep_going").addInput("input").addOutput("logits")
                        .addAttribute(AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH).setG(body)))
                .addInput(floats("input", "batch", 64L)).addOutput(floats("logits", "batch", 64L)).build();
        return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setGraph(g).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build());
    }

    /** A valid model carrying {@code megabytes} of weights: loading it exhausts a worker with a smaller heap. */
    public static OnnxModel huge(int megabytes) {
        int n = megabytes * (1 << 20) / 4;
        GraphProto g = GraphProto.newBuilder().setName("huge")
                .addInitializer(Tensors.floats("w", new long[] {n}, new float[n]))
                .addNode(NodeProto.newBuilder().setOpType("Identity").addInput("input").addOutput("logits"))
                .addInput(floats("input", "batch", 64L)).addOutput(floats("logits", "batch", 64L)).build();
        return OnnxModel.of(ModelProto.newBuilder().setIrVersion(8).setGraph(g).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build());
    }

    private static ValueInfoProto floats(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims)
            shape.addDim(d instanceof String s ? TensorShapeProto.Dimension.newBuilder().setDimParam(s)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) d).longValue()));
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static ValueInfoProto scalar(String name, int type) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(type).setShape(TensorShapeProto.newBuilder()))).build();
    }
}
