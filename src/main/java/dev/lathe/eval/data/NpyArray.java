package dev.lathe.eval.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One array from a NumPy {@code .npy} file (format versions 1 to 3): little-endian, C order, of the dtypes a
 * model is fed from. No maintained Java library served here reads the format, and it is small: a magic string,
 * a Python-literal header naming dtype, order and shape, then the raw values.
 */
public record NpyArray(String name, DType dtype, long[] shape, ByteBuffer data) {
    /** The element types Lathe reads; {@code descr} is how NumPy spells each one little-endian. */
    public enum DType {
        FLOAT32("<f4", 4), FLOAT64("<f8", 8), INT64("<i8", 8), INT32("<i4", 4), UINT8("|u1", 1), BOOL("|b1", 1);

        final String descr;
        final int bytes;

        DType(String descr, int bytes) {
            this.descr = descr;
            this.bytes = bytes;
        }

        public boolean isFloat() { return this == FLOAT32 || this == FLOAT64; }

        public String numpyName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public NpyArray {
        data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public long elementCount() { return dev.lathe.model.TensorData.elementCount(shape); }

    /**
     * Parses a whole {@code .npy} image. {@code file} and {@code name} only go into messages: for an entry of an
     * {@code .npz} the file is the archive and the name the array's.
     */
    public static NpyArray parse(byte[] bytes, Path file, String name) {
        String where = name == null ? "" : "array '" + name + "': ";
        if (bytes.length < MAGIC.length + 2 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC))
            throw new DataFormatException(file, where + "not a NumPy .npy array (the file does not start with \\x93NUMPY)");
        int major = bytes[6] & 0xff;
        int headerLengthBytes = switch (major) {
            case 1 -> 2;
            case 2, 3 -> 4;
            default -> throw new DataFormatException(file, where + ".npy format version " + major + "." + (bytes[7] & 0xff) + " is not supported (1.0 to 3.0 are)");
        };
        int prefix = 8 + headerLengthBytes;
        if (bytes.length < prefix) throw new DataFormatException(file, where + "truncated inside the .npy header");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffffffffL;
        if (prefix + headerLength > bytes.length)
            throw new DataFormatException(file, where + "truncated inside the .npy header (it declares " + headerLength + " header bytes, the file has " + (bytes.length - prefix) + ")");
        String header = new String(bytes, prefix, (int) headerLength, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Matcher descr = DESCR.matcher(header);
        if (!descr.find()) {
            if (header.contains("'descr'")) // structured dtypes are lists of fields, not one string
                throw new DataFormatException(file, where + "structured (record) arrays are not supported; save one plain array per input");
            throw new DataFormatException(file, where + "the .npy header names no dtype: " + header.strip());
        }
        DType dtype = dtype(descr.group(1), file, where);
        Matcher fortran = FORTRAN.matcher(header);
        if (!fortran.find()) throw new DataFormatException(file, where + "the .npy header does not say fortran_order: " + header.strip());
        if (fortran.group(1).equals("True"))
            throw new DataFormatException(file, where + "stored in Fortran (column-major) order; save it in C order, e.g. np.save(f, np.ascontiguousarray(a))");
        Matcher shapeText = SHAPE.matcher(header);
        if (!shapeText.find()) throw new DataFormatException(file, where + "the .npy header has no shape: " + header.strip());
        long[] shape = shape(shapeText.group(1), file, where);

        long count = dev.lathe.model.TensorData.elementCount(shape);
        long expected = count * dtype.bytes;
        long available = bytes.length - prefix - headerLength;
        if (available < expected)
            throw new DataFormatException(file, where + "truncated: shape " + Arrays.toString(shape) + " of " + dtype.numpyName() + " needs "
                    + expected + " data bytes, the file holds " + available);
        if (available > expected)
            throw new DataFormatException(file, where + available + " data bytes where shape " + Arrays.toString(shape) + " of " + dtype.numpyName()
                    + " needs " + expected + "; the file is damaged or not a single array");
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (prefix + headerLength), (int) expected).slice();
        return new NpyArray(name, dtype, shape, data);
    }

    private static DType dtype(String descr, Path file, String where) {
        for (DType t : DType.values()) if (t.descr.equals(descr)) return t;
        // NumPy writes single-byte types with '|' but accepts '<' and '=' for them; so do we.
        if (descr.equals("<u1") || descr.equals("=u1")) return DType.UINT8;
        if (descr.equals("<b1") || descr.equals("=b1")) return DType.BOOL;
        if (descr.startsWith(">"))
            throw new DataFormatException(file, where + "big-endian dtype '" + descr + "' is not supported; save it little-endian, e.g. a.astype(a.dtype.newbyteorder('<'))");
        if (descr.startsWith("|O") || descr.equals("O"))
            throw new DataFormatException(file, where + "object arrays (pickled Python objects) cannot be read; save a numeric array");
        throw new DataFormatException(file, where + "dtype '" + descr + "' is not supported (float32, float64, int64, int32, uint8 or bool)");
    }

    private static long[] shape(String text, Path file, String where) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            if (p.endsWith("L")) p = p.substring(0, p.length() - 1); // Python 2 long literals
            try {
                long d = Long.parseLong(p);
                if (d < 0) throw new NumberFormatException();
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new DataFormatException(file, where + "the .npy header has an unreadable shape (" + text + ")");
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, Math.max(d, 1));
            if (count > Integer.MAX_VALUE)
                throw new DataFormatException(file, where + "shape " + Arrays.toString(shape) + " is too large to load (at most " + Integer.MAX_VALUE + " values); save a subset");
        }
        return shape;
    }

    /** The values from {@code offset} (in elements) as float32; integers and booleans convert exactly up to 2^24. */
    public float[] floats(long offset, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) doubleAt(offset + i);
        return out;
    }

    /** The values from {@code offset} as int64; only integer and boolean arrays have them. */
    public long[] longs(long offset, int count) {
        if (dtype.isFloat()) throw new IllegalStateException(dtype.numpyName() + " array has no integer values");
        long[] out = new long[count];
        for (int i = 0; i < count; i++) out[i] = longAt(offset + i);
        return out;
    }

    private double doubleAt(long i) {
        int at = Math.toIntExact(i * dtype.bytes);
        return switch (dtype) {
            case FLOAT32 -> data.getFloat(at);
            case FLOAT64 -> data.getDouble(at);
            default -> longAt(i);
        };
    }

    private long longAt(long i) {
        int at = Math.toIntExact(i * dtype.bytes);
        return switch (dtype) {
            case INT64 -> data.getLong(at);
            case INT32 -> data.getInt(at);
            case UINT8 -> data.get(at) & 0xff;
            case BOOL -> data.get(at) != 0 ? 1 : 0;
            default -> throw new IllegalStateException(dtype.numpyName());
        };
    }
}
