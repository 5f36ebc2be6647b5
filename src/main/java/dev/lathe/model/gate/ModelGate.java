package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lathe.model.ModelFormatException;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.Problem.Kind;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one door every model file comes in by (CLI commands, the window, studies resumed or exported): the file is read
 * and parsed, the graph and tensors are checked structurally, and only then does ONNX Runtime load it. A file that
 * fails gets a {@link Verdict} whose first problem is the one a user is told, in one line naming the file.
 * Nothing is written: the gate only reads.
 */
public final class ModelGate {
    private ModelGate() {}

    /** The model, or a {@link ModelRejectedException} whose message is one line naming the file and the problem. */
    public static OnnxModel admit(Path file) {
        Verdict v = check(file);
        if (!v.valid()) throw new ModelRejectedException(v);
        return v.model();
    }

    /**
     * As {@link #admit}, but external weights stay in their files ({@link OnnxModel#loadGraph}): for commands that only
     * run the model (compare, bench), so a model over 2 GB is not held in the heap beside ONNX Runtime's own copy.
     */
    public static OnnxModel admitGraph(Path file) {
        Verdict v = check(file, physicalMemory(), true);
        if (!v.valid()) throw new ModelRejectedException(v);
        return v.model();
    }

    /** Every check, never throwing for what is wrong with the file. */
    public static Verdict check(Path file) {
        return check(file, physicalMemory());
    }

    static Verdict check(Path file, long memoryBytes) {
        return check(file, memoryBytes, false);
    }

    private static Verdict check(Path file, long memoryBytes, boolean graphOnly) {
        List<Problem> problems = new ArrayList<>();
        byte[] bytes = read(file, problems);
        if (bytes == null) return new Verdict(file, problems, null, null);
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            boolean truncated = e.getMessage() != null && e.getMessage().contains("ended unexpectedly");
            problems.add(truncated ? new Problem(Kind.TRUNCATED, "the protobuf ends in the middle of a field (" + bytes.length + " bytes read)")
                    : new Problem(Kind.CORRUPT, "the bytes are not an ONNX protobuf (" + e.getMessage() + ")"));
            return new Verdict(file, problems, null, null);
        } catch (RuntimeException e) { // protobuf reports some malformed input unchecked
            problems.add(new Problem(Kind.CORRUPT, "the bytes are not an ONNX protobuf (" + e.getMessage() + ")"));
            return new Verdict(file, problems, null, null);
        }
        GraphChecks.check(proto, problems);
        TensorChecks.check(proto, file, memoryBytes, problems);
        if (!problems.isEmpty()) return new Verdict(file, problems, proto, null);
        OnnxModel model;
        try {
            model = graphOnly ? OnnxModel.parsedGraph(file, bytes, proto) : OnnxModel.parsed(file, bytes, proto);
        } catch (ModelFormatException e) {
            problems.add(new Problem(Kind.EXTERNAL_DATA, e.getMessage().substring(file.getFileName().toString().length() + 2)));
            return new Verdict(file, problems, proto, null);
        }
        Problem runtime = RuntimeCheck.load(model);
        if (runtime != null) problems.add(runtime);
        return new Verdict(file, problems, proto, runtime == null ? model : null);
    }

    private static byte[] read(Path file, List<Problem> problems) {
        try {
            if (Files.isDirectory(file)) {
                problems.add(new Problem(Kind.FILE, "it is a folder, not an ONNX file"));
                return null;
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                problems.add(new Problem(Kind.EMPTY, "the file has 0 bytes"));
                return null;
            }
            return bytes;
        } catch (NoSuchFileException e) {
            problems.add(new Problem(Kind.FILE, "no such file (" + file.toAbsolutePath() + ")"));
        } catch (AccessDeniedException e) {
            problems.add(new Problem(Kind.FILE, "permission denied"));
        } catch (IOException | OutOfMemoryError e) {
            problems.add(new Problem(Kind.FILE, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        return null;
    }

    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return os.getTotalMemorySize();
        return Runtime.getRuntime().maxMemory();
    }
}
