package dev.lathe.model;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Conversions between ONNX {@link TensorProto}s and Java arrays (ONNX stores raw data little-endian). */
public final class Tensors {
    private Tensors() {}

    public static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    public static long elementCount(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        return n;
    }

    public static int bytesPerElement(int dataType) {
        return switch (TensorProto.DataType.forNumber(dataType)) {
            case FLOAT, INT32, UINT32 -> 4;
            case DOUBLE, INT64, UINT64 -> 8;
            case FLOAT16, BFLOAT16, INT16, UINT16 -> 2;
            case INT8, UINT8, BOOL -> 1;
            case null, default -> 4;
        };
    }

    public static float[] toFloats(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE)
            throw new IllegalArgumentException("tensor " + t.getName() + " is not float32");
        if (!t.getRawData().isEmpty()) {
            float[] out = new float[(int) elementCount(t)];
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[t.getFloatDataCount()];
        for (int i = 0; i < out.length; i++) out[i] = t.getFloatData(i);
        return out;
    }

    public static long[] toLongs(TensorProto t) {
        int type = t.getDataType();
        int n = (int) elementCount(t);
        if (type == TensorProto.DataType.INT64_VALUE) {
            if (!t.getRawData().isEmpty()) {
                long[] out = new long[n];
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
                return out;
            }
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        if (type == TensorProto.DataType.INT32_VALUE) {
            if (!t.getRawData().isEmpty()) {
                int[] ints = new int[n];
                t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(ints);
                return Arrays.stream(ints).asLongStream().toArray();
            }
            return t.getInt32DataList().stream().mapToLong(Integer::longValue).toArray();
        }
        throw new IllegalArgumentException("tensor " + t.getName() + " is not an integer tensor");
    }

    public static TensorProto floats(String name, long[] dims, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return floatBytes(name, dims, buf.array());
    }

    /**
     * A float32 tensor over {@code littleEndian}, which the caller hands over (it must not change it afterwards):
     * wrapped, not copied, so that rewriting a large weight needs no second copy of it.
     */
    public static TensorProto floatBytes(String name, long[] dims, byte[] littleEndian) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(littleEndian));
        for (long d : dims) b.addDims(d);
        return b.build();
    }

    /** The values of a float32 tensor without copying them out (raw data is viewed in place). */
    public static java.nio.FloatBuffer floatView(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE)
            throw new IllegalArgumentException("tensor " + t.getName() + " is not float32");
        if (!t.getRawData().isEmpty()) return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        return java.nio.FloatBuffer.wrap(toFloats(t));
    }

    public static TensorProto longs(String name, long[] dims, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return raw(name, TensorProto.DataType.INT64, dims, buf.array());
    }

    public static TensorProto bytes(String name, TensorProto.DataType type, long[] dims, byte[] values) {
        return raw(name, type, dims, values.clone());
    }

    private static TensorProto raw(String name, TensorProto.DataType type, long[] dims, byte[] data) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(data));
        for (long d : dims) b.addDims(d);
        return b.build();
    }

    /** Same type, new name/dims/values: keeps integer tensors integer when shape constants are rewritten. */
    public static TensorProto withLongValues(TensorProto like, long[] values) {
        long[] dims = dims(like);
        if (like.getDataType() == TensorProto.DataType.INT32_VALUE) {
            ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : values) buf.putInt(Math.toIntExact(v));
            return raw(like.getName(), TensorProto.DataType.INT32, dims, buf.array());
        }
        return longs(like.getName(), dims, values);
    }
}
