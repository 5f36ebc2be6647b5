package dev.lathe.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A model in the form ONNX Runtime opens it: its serialized bytes, or a model file with its external data beside it
 * (ONNX Runtime resolves the data relative to the file). Protobuf cannot serialize a message of 2 GiB or more, so a
 * model whose weights exceed {@link OnnxModel#externalDataThreshold()} goes by file: the one it was loaded from when
 * it has one, otherwise written once to a temporary folder as {@code model.onnx} plus {@code model.onnx.data}, which
 * {@link #close} deletes. Smaller models go as bytes, as they always did.
 */
public final class ModelImage implements AutoCloseable {
    /** The model file's name in a temporary folder; its data file is this name plus {@code .data}. */
    static final String TEMPORARY_NAME = "model.onnx";
    private static final long PARSED_FOR_SIZE = 64L << 20;
    /** Temporary folders not closed yet; one shutdown hook deletes what a holder never closed (an evaluator's original). */
    private static final java.util.Set<Path> OPEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(ModelImage::deleteTree), "lathe-model-images"));
    }

    private final byte[] bytes;
    private final Path file;
    private final Path temporaryFolder;
    private final long sizeBytes;

    private ModelImage(byte[] bytes, Path file, Path temporaryFolder, long sizeBytes) {
        this.bytes = bytes;
        this.file = file;
        this.temporaryFolder = temporaryFolder;
        this.sizeBytes = sizeBytes;
    }

    /** A model already serialized. */
    public static ModelImage of(byte[] bytes) {
        return new ModelImage(bytes, null, null, bytes.length);
    }

    /** A model file that stays where it is (its external data beside it); closing leaves it alone. */
    public static ModelImage ofFile(Path file) {
        return new ModelImage(null, file.toAbsolutePath(), null, sizeOnDisk(file));
    }

    /**
     * A model file as the measurement worker takes it: read into bytes as before when it holds its weights itself
     * (so a candidate too large for the worker's heap still fails there, in the worker, not in the search), by path
     * when it is larger than the threshold or names external data. Lathe writes a model with external data as a
     * small file (every weight over 64 bytes goes out), so only files under {@link #PARSED_FOR_SIZE} are parsed to see.
     */
    public static ModelImage read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > OnnxModel.externalDataThreshold()) return ofFile(file);
        byte[] bytes = Files.readAllBytes(file);
        if (size < PARSED_FOR_SIZE && !OnnxModel.ExternalData.referencedFiles(file.toAbsolutePath().normalize()).isEmpty()) return ofFile(file);
        return of(bytes);
    }

    /**
     * {@code model} as bytes when its weights are at most {@link OnnxModel#externalDataThreshold()}, else by file: its
     * own when it was loaded from one (the file is the model), otherwise a temporary copy with external data.
     */
    public static ModelImage of(OnnxModel model) {
        if (model.weightsOnDisk()) return ofFile(model.source());
        if (model.totalInitializerBytes() <= OnnxModel.externalDataThreshold()) return of(model.toBytes());
        if (model.source() != null && Files.isRegularFile(model.source())) return ofFile(model.source());
        return onDisk(model, null);
    }

    /**
     * {@code model} written to a new temporary folder inside {@code parent} (null: the system's), with external data
     * when its weights are over the threshold; closing deletes the folder. For a process that opens the model by path
     * (the measurement worker).
     */
    public static ModelImage onDisk(OnnxModel model, Path parent) {
        Path folder = null;
        boolean written = false;
        try {
            folder = parent == null ? Files.createTempDirectory("lathe-model-") : Files.createTempDirectory(parent, "model-");
            Path file = folder.resolve(TEMPORARY_NAME);
            model.saveForRuntime(file);
            ModelImage image = new ModelImage(null, file, folder, sizeOnDisk(file));
            OPEN.add(folder);
            written = true;
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to a temporary folder for ONNX Runtime"
                    + (folder == null ? "" : " (" + folder + ")") + ": " + e.getMessage(), e);
        } finally {
            if (!written && folder != null) deleteTree(folder); // also after an OutOfMemoryError part-way
        }
    }

    /** True when ONNX Runtime gets bytes, false when it opens {@link #file()}. */
    public boolean inMemory() { return bytes != null; }

    /** The serialized model, or null when it goes by file. */
    public byte[] bytes() { return bytes; }

    /** The model file ONNX Runtime opens, or null when it goes as bytes. */
    public Path file() { return file; }

    /** The model's size as stored: the bytes, or the file plus the external data it names. */
    public long sizeBytes() { return sizeBytes; }

    /** Deletes the temporary folder this image wrote, if any. */
    @Override
    public void close() {
        if (temporaryFolder != null && OPEN.remove(temporaryFolder)) deleteTree(temporaryFolder);
    }

    /**
     * The file plus its data files. A model whose weights are external has a small file, so only files under
     * {@link #PARSED_FOR_SIZE} are read for the data they name (a large one holds its weights itself).
     */
    private static long sizeOnDisk(Path file) {
        try {
            long size = Files.size(file);
            if (size < PARSED_FOR_SIZE) for (Path data : OnnxModel.ExternalData.referencedFiles(file.toAbsolutePath().normalize()))
                if (Files.isRegularFile(data)) size += Files.size(data);
            return size;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + file + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temporary folder: what is left the system cleans
        }
    }
}
