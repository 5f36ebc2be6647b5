package dev.lathe.eval;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.lathe.model.OrtRunner;

import java.util.List;
import java.util.Locale;

/**
 * The execution providers Lathe can time on, and whether this machine and this build of ONNX Runtime have
 * them. CPU is always there. CUDA needs the GPU build of ONNX Runtime (build Lathe with {@code -Pcuda}) and
 * a working CUDA device: a provider compiled in but unusable (no driver, no GPU) is found by opening a
 * one-node session on it once.
 */
public final class ExecutionProviders {
    public static final List<String> IDS = List.of("cpu", "cuda");
    private static volatile List<Status> cached;

    /** One provider: its id, whether it can be used here, and why not. */
    public record Status(String id, String label, boolean available, String reason) {}

    private ExecutionProviders() {}

    public static List<Status> all() {
        List<Status> s = cached;
        if (s == null) cached = s = List.of(new Status("cpu", "CPU", true, ""), cuda());
        return s;
    }

    public static Status status(String id) {
        String key = id == null ? "" : id.toLowerCase(Locale.ROOT);
        return all().stream().filter(p -> p.id().equals(key)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown provider '" + id + "' (" + String.join(" or ", IDS) + ")"));
    }

    /** The provider's id when it can be used here; otherwise a message that says why and what to do. */
    public static String require(String id) {
        Status s = status(id);
        if (!s.available()) throw new IllegalArgumentException(s.label() + " was requested but is not available: " + s.reason());
        return s.id();
    }

    private static Status cuda() {
        try {
            if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA))
                return new Status("cuda", "CUDA", false, "this Lathe carries the CPU build of ONNX Runtime; build it with 'mvnw -Pcuda package' for the GPU build");
        } catch (RuntimeException | LinkageError e) {
            return new Status("cuda", "CUDA", false, "ONNX Runtime cannot list its providers: " + e.getMessage());
        }
        try (OrtRunner ignored = new OrtRunner(identityModel(), new OrtRunner.RunnerSettings(1, "cuda", "all"))) {
            return new Status("cuda", "CUDA", true, "");
        } catch (Exception | LinkageError e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new Status("cuda", "CUDA", false, "the GPU build of ONNX Runtime cannot open a CUDA session here (" + m + ")");
        }
    }

    private static byte[] identityModel() {
        OnnxMl.TypeProto t = OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .setShape(OnnxMl.TensorShapeProto.newBuilder().addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(1)))).build();
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("probe")
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").addInput("x").addOutput("y"))
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x").setType(t))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("y").setType(t)).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).build().toByteArray();
    }
}
