package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.gate.Problem.Kind;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Tensors' sizes against their dims and against this machine's memory, and external data against the model's folder:
 * a file that claims more than memory holds is refused before anything allocates it.
 */
final class TensorChecks {
    private TensorChecks() {}

    static void check(ModelProto model, Path file, long memoryBytes, List<Problem> problems) {
        if (!model.hasGraph()) return;
        GraphProto g = model.getGraph();
        long total = 0;
        for (TensorProto t : g.getInitializerList()) {
            long bytes = initializer(t, file, memoryBytes, problems);
            if (bytes > 0) total = saturatedAdd(total, bytes);
        }
        if (total > memoryBytes)
            problems.add(new Problem(Kind.DIMS, "its initializers need " + mib(total) + " MiB, more than this machine's " + mib(memoryBytes) + " MiB of memory"));
        for (List<ValueInfoProto> values : List.of(g.getInputList(), g.getOutputList(), g.getValueInfoList()))
            for (ValueInfoProto v : values) declared(v, memoryBytes, problems);
    }

    /** Checks one initializer and returns the bytes it holds, or -1 when they cannot be known. */
    private static long initializer(TensorProto t, Path file, long memoryBytes, List<Problem> problems) {
        long elements = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) {
                problems.add(new Problem(Kind.DIMS, "initializer '" + t.getName() + "' has a negative dimension " + t.getDimsList()));
                return -1;
            }
            elements = saturatedMultiply(elements, d);
        }
        long bytes = TensorBytes.of(t.getDataType(), elements);
        if (bytes > memoryBytes || elements == Long.MAX_VALUE) {
            problems.add(new Problem(Kind.DIMS, "initializer '" + t.getName() + "' has dims " + t.getDimsList() + ", "
                    + (bytes < 0 ? "more elements than any machine holds" : mib(bytes) + " MiB, more than this machine's " + mib(memoryBytes) + " MiB of memory")));
            return -1;
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            ExternalDataCheck.check(t, file, bytes, problems);
            return bytes;
        }
        long held = heldElements(t);
        if (!t.getRawData().isEmpty()) {
            if (bytes >= 0 && t.getRawData().size() != bytes)
                problems.add(new Problem(Kind.INITIALIZER_SIZE, "initializer '" + t.getName() + "' has dims " + t.getDimsList() + " (" + bytes + " bytes) but holds "
                        + t.getRawData().size() + " bytes"));
        } else if (held >= 0 && held != elements) {
            problems.add(new Problem(Kind.INITIALIZER_SIZE, "initializer '" + t.getName() + "' has dims " + t.getDimsList() + " (" + elements + " values) but holds " + held + " values"));
        }
        return bytes;
    }

    /** Values in the typed field the data type uses, or -1 where the packing makes the count unclear. */
    private static long heldElements(TensorProto t) {
        return switch (TensorProto.DataType.forNumber(t.getDataType())) {
            case FLOAT -> t.getFloatDataCount();
            case DOUBLE -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            case INT32, INT16, INT8, UINT16, UINT8, BOOL, FLOAT16, BFLOAT16 -> t.getInt32DataCount();
            case UINT32, UINT64 -> t.getUint64DataCount();
            case STRING -> t.getStringDataCount();
            case null, default -> -1;
        };
    }

    /** An input, output or intermediate whose fixed dims alone (symbolic ones counted as 1) exceed memory. */
    private static void declared(ValueInfoProto v, long memoryBytes, List<Problem> problems) {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) return;
        long elements = 1;
        for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
            if (!d.hasDimValue()) continue;
            if (d.getDimValue() < 0) {
                problems.add(new Problem(Kind.DIMS, "tensor '" + v.getName() + "' is declared with a negative dimension " + d.getDimValue()));
                return;
            }
            elements = saturatedMultiply(elements, d.getDimValue());
        }
        long bytes = TensorBytes.of(v.getType().getTensorType().getElemType(), elements);
        if (bytes > memoryBytes || bytes < 0 || elements == Long.MAX_VALUE)
            problems.add(new Problem(Kind.DIMS, "tensor '" + v.getName() + "' is declared with " + dims(v) + ", "
                    + (bytes < 0 || elements == Long.MAX_VALUE ? "more elements than any machine holds" : mib(bytes) + " MiB for one sample, more than this machine's " + mib(memoryBytes) + " MiB of memory")));
    }

    private static String dims(ValueInfoProto v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam()).toList().toString();
    }

    static long saturatedMultiply(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static long saturatedAdd(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    static long mib(long bytes) {
        return bytes / (1 << 20);
    }

    /** Bytes of a tensor of a given ONNX data type, packing included; -1 for types without a fixed size (strings). */
    static final class TensorBytes {
        /** ONNX's 4-bit float, newer than the generated protobuf classes' enum. */
        private static final int FLOAT4E2M1 = 23;

        private TensorBytes() {}

        static long of(int dataType, long elements) {
            if (elements == Long.MAX_VALUE) return Long.MAX_VALUE;
            if (dataType == FLOAT4E2M1) return (elements + 1) / 2;
            return switch (TensorProto.DataType.forNumber(dataType)) {
                case DOUBLE, INT64, UINT64, COMPLEX64 -> saturatedMultiply(elements, 8);
                case COMPLEX128 -> saturatedMultiply(elements, 16);
                case FLOAT, INT32, UINT32 -> saturatedMultiply(elements, 4);
                case FLOAT16, BFLOAT16, INT16, UINT16 -> saturatedMultiply(elements, 2);
                case INT8, UINT8, BOOL, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> elements;
                case INT4, UINT4 -> (elements + 1) / 2;
                case null, default -> -1;
            };
        }
    }

    /** External data: a relative location inside the model's folder (links resolved), a file that exists and holds the bytes. */
    static final class ExternalDataCheck {
        private ExternalDataCheck() {}

        static void check(TensorProto t, Path file, long bytes, List<Problem> problems) {
            String location = null;
            long offset = 0, length = -1;
            try {
                for (StringStringEntryProto e : t.getExternalDataList())
                    switch (e.getKey()) {
                        case "location" -> location = e.getValue();
                        case "offset" -> offset = Long.parseLong(e.getValue());
                        case "length" -> length = Long.parseLong(e.getValue());
                        default -> { }
                    }
            } catch (NumberFormatException e) {
                problems.add(problem(t, "has an offset or length that is not a number"));
                return;
            }
            if (location == null || location.isEmpty()) {
                problems.add(problem(t, "names no data file"));
                return;
            }
            if (offset < 0 || length < -1) {
                problems.add(problem(t, "has a negative offset or length"));
                return;
            }
            Path folder = file.toAbsolutePath().normalize().getParent();
            Path given;
            try {
                given = Path.of(location);
            } catch (java.nio.file.InvalidPathException e) {
                problems.add(problem(t, "names '" + location + "', which is not a file name"));
                return;
            }
            if (given.isAbsolute()) {
                problems.add(problem(t, "names the absolute path '" + location + "'; external data must sit in the model's folder"));
                return;
            }
            Path data = folder.resolve(given).normalize();
            if (!data.startsWith(folder)) {
                problems.add(problem(t, "names '" + location + "', which leaves the model's folder"));
                return;
            }
            if (!Files.exists(data)) {
                problems.add(problem(t, "names '" + location + "', which does not exist beside the model"));
                return;
            }
            try {
                if (!data.toRealPath().startsWith(folder.toRealPath())) {
                    problems.add(problem(t, "names '" + location + "', a link that leads out of the model's folder"));
                    return;
                }
                if (!Files.isRegularFile(data)) {
                    problems.add(problem(t, "names '" + location + "', which is not a file"));
                    return;
                }
                long need = length >= 0 ? length : bytes;
                if (bytes >= 0 && length >= 0 && length != bytes)
                    problems.add(problem(t, "has length " + length + " but its dims " + t.getDimsList() + " need " + bytes + " bytes"));
                else if (need >= 0 && offset + need > Files.size(data))
                    problems.add(problem(t, "needs bytes up to " + (offset + need) + " of '" + location + "', which has only " + Files.size(data)));
            } catch (IOException e) {
                problems.add(problem(t, "names '" + location + "', which cannot be read (" + e.getMessage() + ")"));
            }
        }

        private static Problem problem(TensorProto t, String what) {
            return new Problem(Kind.EXTERNAL_DATA, "external data of initializer '" + t.getName() + "' " + what);
        }
    }
}
