package dev.lathe.transform.distill.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.model.Tensors;

/** ONNX tensors to NDArrays: float and double stay floating point, every integer type becomes int64, bool stays bool. */
public final class TensorProtos {
    private TensorProtos() {}

    public static NDArray toNDArray(NDManager manager, TensorProto t) {
        Shape shape = new Shape(Tensors.dims(t));
        return switch (TensorProto.DataType.forNumber(t.getDataType())) {
            case FLOAT -> manager.create(Tensors.toFloats(t), shape);
            case DOUBLE -> manager.create(doubles(t), shape);
            case INT64, INT32 -> manager.create(Tensors.toLongs(t), shape);
            case BOOL, UINT8, INT8 -> {
                byte[] b = bytes(t);
                long[] l = new long[b.length];
                for (int i = 0; i < b.length; i++) l[i] = t.getDataType() == TensorProto.DataType.UINT8_VALUE ? b[i] & 0xff : b[i];
                NDArray a = manager.create(l, shape);
                yield t.getDataType() == TensorProto.DataType.BOOL_VALUE ? a.toType(DataType.BOOLEAN, false) : a;
            }
            case null, default -> throw new UnsupportedOperationException("tensor '" + t.getName() + "' of type "
                    + TensorProto.DataType.forNumber(t.getDataType()) + " is not supported by the differentiable executor");
        };
    }

    private static double[] doubles(TensorProto t) {
        if (!t.getRawData().isEmpty()) {
            double[] d = new double[(int) Tensors.elementCount(t)];
            t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(d);
            return d;
        }
        return t.getDoubleDataList().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static byte[] bytes(TensorProto t) {
        if (!t.getRawData().isEmpty()) return t.getRawData().toByteArray();
        byte[] b = new byte[t.getInt32DataCount()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) t.getInt32Data(i);
        return b;
    }

    /** The ONNX element type of a Cast's {@code to} as a DJL type. */
    public static DataType dataType(long onnxType) {
        return switch (TensorProto.DataType.forNumber((int) onnxType)) {
            case FLOAT -> DataType.FLOAT32;
            case DOUBLE -> DataType.FLOAT64;
            case FLOAT16 -> DataType.FLOAT16;
            case INT64, INT32, INT16, INT8, UINT8, UINT16, UINT32 -> DataType.INT64;
            case BOOL -> DataType.BOOLEAN;
            case null, default -> throw new UnsupportedOperationException("Cast to ONNX type " + onnxType + " is not supported by the differentiable executor");
        };
    }
}
