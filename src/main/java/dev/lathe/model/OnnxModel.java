package dev.lathe.model;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * An ONNX model held in memory with all weights inline, plus where it came from.
 * External data is read in on load (and only from inside the model's folder), and weights written as Constant
 * nodes become initializers ({@link ConstantWeights}), so that every transform sees plain initializers; {@link #save} writes it out again when the model is large.
 */
public final class OnnxModel {
    /** Oldest opset Lathe's transforms are written against. */
    public static final int MIN_OPSET = 9;
    /** Protobuf messages cannot exceed 2 GiB; above this, weights go to an external data file. */
    static final long EXTERNAL_DATA_THRESHOLD = 1L << 30;
    /** System property that lowers {@link #EXTERNAL_DATA_THRESHOLD} (bytes), so tests send a small model down the large-model route. */
    public static final String THRESHOLD_PROPERTY = "lathe.externalDataThreshold";
    /** One tensor's bytes are one Java array and one protobuf ByteString: both end at 2^31 - 1. */
    public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE;

    private final ModelProto proto;
    private final Path source;
    private final String sha256;
    private final long fileSize;
    /** True for {@link #loadGraph}: external weights were left in their files, which ONNX Runtime reads itself. */
    private final boolean weightsOnDisk;

    private OnnxModel(ModelProto proto, Path source, String sha256, long fileSize) {
        this(proto, source, sha256, fileSize, false);
    }

    private OnnxModel(ModelProto proto, Path source, String sha256, long fileSize, boolean weightsOnDisk) {
        this.proto = proto;
        this.source = source;
        this.sha256 = sha256;
        this.fileSize = fileSize;
        this.weightsOnDisk = weightsOnDisk;
    }

    /**
     * The model's graph, with weights in external data files left there: for a process that only reads the graph
     * (inputs, outputs, shapes) and runs the model by its path, as the measurement worker does, so a model over 2 GB
     * costs it no heap. Such a model cannot be serialized, saved or transformed ({@link #weightsOnDisk()}); one
     * without external data loads as {@link #load} does.
     */
    public static OnnxModel loadGraph(Path file) {
        byte[] bytes;
        ModelProto proto;
        try {
            bytes = Files.readAllBytes(file);
            proto = ModelProto.parseFrom(bytes);
        } catch (IOException e) {
            return load(file); // load words the failure
        }
        return parsedGraph(file, bytes, proto);
    }

    /** As {@link #loadGraph}, for a file already read and parsed (by {@code model.gate.ModelGate}, which checks it first). */
    public static OnnxModel parsedGraph(Path file, byte[] bytes, ModelProto proto) {
        boolean external = proto.getGraph().getInitializerList().stream().anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        if (!external) return parsed(file, bytes, proto);
        if (proto.getGraph().getNodeCount() == 0) throw new ModelFormatException(file, "not a valid ONNX model (no graph or no nodes)");
        ModelProto graph;
        try {
            graph = ConstantWeights.lift(proto); // as load does, so inputs derived from the graph (a vocabulary) match
        } catch (RuntimeException e) {
            graph = proto; // a lift that would read an external weight: the graph as written serves as well here
        }
        return new OnnxModel(graph, file, null, bytes.length, true);
    }

    /** True when the weights were left in external data files ({@link #loadGraph}): the model runs only from its file. */
    public boolean weightsOnDisk() { return weightsOnDisk; }

    public static OnnxModel load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file, "file not found (" + file.toAbsolutePath() + ")");
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e.getMessage(), e);
        }
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(file, "not a valid ONNX model (truncated or corrupt protobuf: " + e.getMessage() + ")");
        }
        return parsed(file, bytes, proto);
    }

    /** A model whose file was already read and parsed (by {@code model.gate.ModelGate}, which checks it first). */
    public static OnnxModel parsed(Path file, byte[] bytes, ModelProto proto) {
        if (!proto.hasGraph() || proto.getGraph().getNodeCount() == 0)
            throw new ModelFormatException(file, "not a valid ONNX model (no graph or no nodes)");
        int opset = defaultOpset(proto);
        if (opset < MIN_OPSET)
            throw new ModelFormatException(file, "opset " + opset + " is older than the oldest supported (" + MIN_OPSET + ")");
        ModelProto inlined = ExternalData.inline(proto, file);
        String sha = sha256(bytes, inlined == proto ? null : inlined);
        return new OnnxModel(ConstantWeights.lift(inlined), file, sha, bytes.length);
    }

    /** A model built in memory (a transformed candidate): it has no file yet. */
    public static OnnxModel of(ModelProto proto) {
        return new OnnxModel(proto, null, null, -1);
    }

    public ModelProto proto() { return proto; }

    /** The file it was loaded from, or null for a model built in memory. */
    public Path source() { return source; }

    /** SHA-256 of the file (and its external data) as loaded; null for in-memory models. */
    public String sha256() { return sha256; }

    /** Size of the model file as loaded (without external data), or -1. */
    public long fileSize() { return fileSize; }

    public int opset() { return defaultOpset(proto); }

    /**
     * Weights above this many bytes make a model go to ONNX Runtime and to disk as a model file plus external data
     * ({@link #save}, {@link ModelImage#of(OnnxModel)}): 1 GiB, well under protobuf's 2 GiB, unless the system property
     * {@value #THRESHOLD_PROPERTY} sets it lower.
     */
    public static long externalDataThreshold() {
        Long set = Long.getLong(THRESHOLD_PROPERTY);
        return set == null || set < 0 ? EXTERNAL_DATA_THRESHOLD : Math.min(set, EXTERNAL_DATA_THRESHOLD);
    }

    /** Whether {@link #toBytes} can serialize this model (its weights under 2 GiB with room for the graph). */
    public boolean fitsOneProtobuf() {
        return totalInitializerBytes() <= Integer.MAX_VALUE - (1 << 20) && proto.getSerializedSize() >= 0;
    }

    public byte[] toBytes() {
        if (weightsOnDisk) throw new IllegalStateException("the weights of " + source + " were left on disk; ONNX Runtime opens it from its path");
        if (!fitsOneProtobuf())
            throw new IllegalStateException("model too large to hold as one protobuf; save it with external data");
        return proto.toByteArray();
    }

    /**
     * SHA-256 of the model's content: the serialized graph without weight data, then every initializer's bytes in
     * order, so a model over 2 GiB is hashed without serializing it whole. Equal for equal protos.
     */
    public String contentSha256() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ModelProto.Builder b = proto.toBuilder();
            var g = b.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) g.setInitializer(i, g.getInitializer(i).toBuilder().clearRawData().clearFloatData());
            md.update(b.build().toByteArray());
            for (TensorProto t : proto.getGraph().getInitializerList()) {
                md.update(t.getRawData().asReadOnlyByteBuffer());
                if (t.getFloatDataCount() > 0) {
                    java.nio.ByteBuffer f = java.nio.ByteBuffer.allocate(4 * t.getFloatDataCount()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < t.getFloatDataCount(); i++) f.putFloat(t.getFloatData(i));
                    md.update(f.flip());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Elements of every initializer: the parameter count users compare models by. */
    public long parameterCount() {
        long n = 0;
        for (TensorProto t : proto.getGraph().getInitializerList()) n += Tensors.elementCount(t);
        return n;
    }

    public long totalInitializerBytes() {
        long sum = 0;
        for (TensorProto t : proto.getGraph().getInitializerList()) sum += t.getRawData().size() + 4L * t.getFloatDataCount();
        return sum;
    }

    /**
     * Writes the model to {@code file} atomically, so a failure or a crash never leaves a half-written model where a
     * good one was. Large models get their weights in a data file beside it ({@code <file>.data}).
     */
    public void save(Path file) throws IOException {
        save(file, externalDataThreshold());
    }

    /**
     * Writes the model for ONNX Runtime to open from {@code file} (a temporary copy of a large candidate): as
     * {@link #save} does, external data included, but without waiting for the disk, since nothing the user keeps
     * depends on it.
     */
    public void saveForRuntime(Path file) throws IOException {
        save(file, externalDataThreshold(), tmp -> new java.io.BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW), 1 << 20));
    }

    void save(Path file, long externalThreshold) throws IOException {
        save(file, externalThreshold, OnnxModel::syncedOutput);
    }

    /** Opens a temporary file for writing; tests pass one that fails part-way, as a full disk would. */
    @FunctionalInterface
    interface TempOutput {
        OutputStream open(Path tmp) throws IOException;
    }

    /**
     * Two renames cannot replace a model and its data file at once, so the model's rename is the one commit point:
     * new weights go to a data file name that does not exist yet (so the old model still finds its own data), then
     * the model replaces the old one, and only then are the data files the old model named deleted. A failure before
     * the commit removes what this save wrote and leaves the user's files untouched; a crash before it leaves at most
     * an unused data file. The data name alternates between {@code <file>.data} and {@code <file>.1.data} on
     * successive saves over a model with external data.
     */
    void save(Path file, long externalThreshold, TempOutput output) throws IOException {
        if (weightsOnDisk) throw new IllegalStateException("the weights of " + source + " were left on disk; load it with OnnxModel.load to save it");
        Path dir = file.toAbsolutePath().normalize().getParent();
        Files.createDirectories(dir);
        Path target = dir.resolve(file.getFileName());
        List<Path> written = new ArrayList<>();
        boolean committed = false;
        try {
            ModelProto toWrite = proto;
            Path dataTmp = null, data = null;
            if (totalInitializerBytes() > externalThreshold) {
                data = unusedDataFile(target);
                dataTmp = siblingTemp(dir, data.getFileName().toString());
                written.add(dataTmp);
                toWrite = ExternalData.externalize(proto, dataTmp, data.getFileName().toString(), output);
            }
            Path modelTmp = siblingTemp(dir, target.getFileName().toString());
            written.add(modelTmp);
            try (OutputStream out = output.open(modelTmp)) {
                toWrite.writeTo(out);
            }
            Set<Path> oldData = ExternalData.referencedFiles(target);
            if (data != null) {
                Files.move(dataTmp, data, StandardCopyOption.ATOMIC_MOVE);
                written.add(data);
            }
            Files.move(modelTmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            for (Path old : oldData) if (!old.equals(data)) Files.deleteIfExists(old);
        } catch (IOException e) {
            throw new IOException("cannot write " + file.getFileName() + ": " + e.getMessage(), e);
        } finally {
            if (!committed) for (Path f : written) Files.deleteIfExists(f);
        }
    }

    /** The first of {@code <file>.data}, {@code <file>.1.data}, ... that does not exist, so no file the user has is overwritten. */
    private static Path unusedDataFile(Path target) {
        String name = target.getFileName().toString();
        Path candidate = target.resolveSibling(name + ".data");
        for (int i = 1; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS); i++) candidate = target.resolveSibling(name + "." + i + ".data");
        return candidate;
    }

    /** Writes through to the disk before close returns, so a rename after it never publishes a file still in the page cache. */
    private static OutputStream syncedOutput(Path tmp) throws IOException {
        FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new FilterOutputStream(Channels.newOutputStream(channel)) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                try (channel) {
                    channel.force(true);
                }
            }
        };
    }

    /** A temporary name beside the target; unlike createTempFile it gets the user's usual permissions. */
    private static Path siblingTemp(Path dir, String name) {
        return dir.resolve("." + name + "." + java.util.UUID.randomUUID() + ".tmp");
    }

    public static int defaultOpset(ModelProto proto) {
        for (OperatorSetIdProto o : proto.getOpsetImportList())
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) return (int) o.getVersion();
        return 0;
    }

    public String metadata(String key) {
        for (StringStringEntryProto e : proto.getMetadataPropsList()) if (e.getKey().equals(key)) return e.getValue();
        return null;
    }

    private static String sha256(byte[] fileBytes, ModelProto withExternalInlined) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(fileBytes);
            if (withExternalInlined != null)
                for (TensorProto t : withExternalInlined.getGraph().getInitializerList()) md.update(t.getRawData().asReadOnlyByteBuffer());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String sha256Of(Path file) throws IOException {
        return sha256(Files.readAllBytes(file), null);
    }

    /** Reads external tensor data in, and writes it out; paths are confined to the model's folder. */
    static final class ExternalData {
        private ExternalData() {}

        static ModelProto inline(ModelProto proto, Path modelFile) {
            boolean any = proto.getGraph().getInitializerList().stream()
                    .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
            if (!any) return proto;
            Path folder = modelFile.toAbsolutePath().normalize().getParent();
            ModelProto.Builder b = proto.toBuilder();
            var g = b.getGraphBuilder();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                TensorProto t = g.getInitializer(i);
                if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) continue;
                String location = null;
                long offset = 0, length = -1;
                for (StringStringEntryProto e : t.getExternalDataList()) {
                    switch (e.getKey()) {
                        case "location" -> location = e.getValue();
                        case "offset" -> offset = Long.parseLong(e.getValue());
                        case "length" -> length = Long.parseLong(e.getValue());
                        default -> { }
                    }
                }
                if (location == null)
                    throw new ModelFormatException(modelFile, "tensor " + t.getName() + " has external data without a location");
                Path data = folder.resolve(location).normalize();
                if (!data.startsWith(folder) || !insideRealFolder(data, folder))
                    throw new ModelFormatException(modelFile, "refusing external data path '" + location + "' of tensor " + t.getName() + ": it leaves the model's folder");
                if (length < 0) length = Tensors.elementCount(t) * Tensors.bytesPerElement(t.getDataType());
                if (length > MAX_TENSOR_BYTES)
                    throw new ModelFormatException(modelFile, "tensor " + t.getName() + " holds " + length + " bytes; Lathe handles tensors of up to "
                            + MAX_TENSOR_BYTES + " bytes (2 GiB) each, however large the model");
                byte[] buf = new byte[Math.toIntExact(length)];
                try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "r")) {
                    if (offset + length > raf.length())
                        throw new ModelFormatException(modelFile, "external data file " + location + " is truncated (tensor " + t.getName() + " needs bytes up to " + (offset + length) + ", file has " + raf.length() + ")");
                    raf.seek(offset);
                    raf.readFully(buf);
                } catch (IOException e) {
                    throw new ModelFormatException(modelFile, "cannot read external data file " + location + " for tensor " + t.getName() + ": " + e.getMessage(), e);
                }
                // Wrapped, not copied: the buffer is ours alone, and a second copy of every weight would double the heap a large model needs.
                g.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation().setRawData(com.google.protobuf.UnsafeByteOperations.unsafeWrap(buf)).build());
            }
            return b.build();
        }

        /** False for a symbolic link (or a path through one) that leads out of the folder; a missing file is left to the read to report. */
        private static boolean insideRealFolder(Path data, Path folder) {
            try {
                return !Files.exists(data) || data.toRealPath().startsWith(folder.toRealPath());
            } catch (IOException e) {
                return true;
            }
        }

        /** The data files inside its folder that the model now at {@code modelFile} names; none if there is no readable model. */
        static Set<Path> referencedFiles(Path modelFile) {
            Set<Path> files = new HashSet<>();
            if (!Files.isRegularFile(modelFile)) return files;
            Path folder = modelFile.getParent();
            try (var in = Files.newInputStream(modelFile)) {
                for (TensorProto t : ModelProto.parseFrom(in).getGraph().getInitializerList())
                    for (StringStringEntryProto e : t.getExternalDataList()) {
                        if (!e.getKey().equals("location")) continue;
                        Path data = folder.resolve(e.getValue()).normalize();
                        if (data.startsWith(folder) && !data.equals(modelFile)) files.add(data);
                    }
            } catch (IOException e) {
                return files; // not a model we can read: it is replaced whole, and nothing beside it is touched
            }
            return files;
        }

        static ModelProto externalize(ModelProto proto, Path dataFile, String location, TempOutput output) throws IOException {
            ModelProto.Builder b = proto.toBuilder();
            var g = b.getGraphBuilder();
            long offset = 0;
            try (OutputStream out = output.open(dataFile)) {
                for (int i = 0; i < g.getInitializerCount(); i++) {
                    TensorProto t = g.getInitializer(i);
                    // One tensor at a time, each straight from its own buffer: no copy of the whole weights is ever made.
                    ByteString raw = t.getFloatDataCount() > 0 && t.getRawData().isEmpty() ? floatDataBytes(t) : t.getRawData();
                    if (raw.size() < 64) continue;
                    writeUncopied(raw, out);
                    g.setInitializer(i, t.toBuilder().clearRawData().clearFloatData()
                            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                            .addExternalData(entry("location", location))
                            .addExternalData(entry("offset", Long.toString(offset)))
                            .addExternalData(entry("length", Long.toString(raw.size()))).build());
                    offset += raw.size();
                }
            }
            return b.build();
        }

        /**
         * Writes the tensor's bytes from the buffer they live in: {@code ByteString.writeTo(OutputStream)} hands the
         * stream a copy of the whole tensor (so the stream cannot alter it), which for a 1 GB weight is 1 GB more heap.
         */
        private static void writeUncopied(ByteString raw, OutputStream out) throws IOException {
            com.google.protobuf.UnsafeByteOperations.unsafeWriteTo(raw, new com.google.protobuf.ByteOutput() {
                @Override public void write(byte value) throws IOException { out.write(value); }
                @Override public void write(byte[] value, int offset, int length) throws IOException { out.write(value, offset, length); }
                @Override public void writeLazy(byte[] value, int offset, int length) throws IOException { out.write(value, offset, length); }
                @Override public void write(java.nio.ByteBuffer value) throws IOException {
                    byte[] chunk = new byte[Math.min(value.remaining(), 1 << 20)];
                    while (value.hasRemaining()) {
                        int n = Math.min(chunk.length, value.remaining());
                        value.get(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                }
                @Override public void writeLazy(java.nio.ByteBuffer value) throws IOException { write(value); }
            });
        }

        /** Weights kept as repeated floats (some exporters write them so) go out as the little-endian bytes raw data holds. */
        private static ByteString floatDataBytes(TensorProto t) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * t.getFloatDataCount()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < t.getFloatDataCount(); i++) b.putFloat(t.getFloatData(i));
            return com.google.protobuf.UnsafeByteOperations.unsafeWrap(b.array());
        }

        private static StringStringEntryProto entry(String k, String v) {
            return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
        }
    }
}
