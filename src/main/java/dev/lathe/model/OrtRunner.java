package dev.lathe.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session over a model (in memory, or from its file when too large for one protobuf), fed and read with {@link TensorData}.
 * Every inference in Lathe goes through here, so session settings are decided in one place.
 */
public final class OrtRunner implements AutoCloseable {
    private static final OrtEnvironment ENV =
            OrtEnvironment.getEnvironment(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "lathe");

    private final OrtSession session;
    private final RunnerSettings settings;
    /** A temporary model file this runner wrote for itself ({@link #of}), deleted when it closes; else null. */
    private final ModelImage owned;

    /** Execution settings recorded with every figure measured under them. */
    public record RunnerSettings(int intraOpThreads, String provider, String optimizationLevel) {
        public static RunnerSettings cpu(int threads) {
            return new RunnerSettings(threads, "cpu", "all");
        }
    }

    /** Extra session options on top of the shared ones (the profiler's trace and optimized-graph files). */
    @FunctionalInterface
    public interface OptionsHook {
        void apply(OrtSession.SessionOptions options) throws OrtException;
    }

    public OrtRunner(byte[] modelBytes, RunnerSettings settings) throws OrtException {
        this(modelBytes, null, settings, false, o -> { }, null);
    }

    public OrtRunner(byte[] modelBytes, RunnerSettings settings, OptionsHook extra) throws OrtException {
        this(modelBytes, null, settings, false, extra, null);
    }

    /** A session over a model as bytes or by file ({@link ModelImage}); the caller keeps the image open until this is created. */
    public OrtRunner(ModelImage model, RunnerSettings settings) throws OrtException {
        this(model.bytes(), model.file(), settings, false, o -> { }, null);
    }

    public OrtRunner(ModelImage model, RunnerSettings settings, OptionsHook extra) throws OrtException {
        this(model.bytes(), model.file(), settings, false, extra, null);
    }

    /**
     * A session that logs nothing, for checking whether a model loads and runs: the caller reports the failure itself,
     * in one line, so ONNX Runtime's own log line would only repeat it. {@code modelFile} is read (external data
     * included, for models too large for one protobuf) when the bytes are null.
     */
    public static OrtRunner silent(byte[] modelBytes, java.nio.file.Path modelFile, RunnerSettings settings) throws OrtException {
        // A check needs no pre-packed weights. Without them ONNX Runtime computes from the pages it maps of a model's
        // external data instead of packing a private copy: checking a 2.28 GB model then adds no second copy in memory.
        OptionsHook check = modelBytes != null ? o -> { } : o -> o.addConfigEntry("session.disable_prepacking", "1");
        return new OrtRunner(modelBytes, modelFile, settings, true, check, null);
    }

    private OrtRunner(byte[] modelBytes, java.nio.file.Path modelFile, RunnerSettings settings, boolean silent, OptionsHook extra,
                      ModelImage owned) throws OrtException {
        this.settings = settings;
        this.owned = owned;
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            if (silent) opts.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            opts.setIntraOpNumThreads(settings.intraOpThreads());
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(switch (settings.optimizationLevel()) {
                case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case "none" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                default -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            if ("cuda".equals(settings.provider())) opts.addCUDA(0);
            extra.apply(opts);
            this.session = modelBytes != null ? ENV.createSession(modelBytes, opts) : ENV.createSession(modelFile.toString(), opts);
        }
    }

    /**
     * A session over {@code model}: as bytes, or for a model over the external-data threshold from its file or a
     * temporary one ({@link ModelImage#of(OnnxModel)}) that lives as long as this runner.
     */
    public static OrtRunner of(OnnxModel model, RunnerSettings settings) throws OrtException {
        ModelImage image = ModelImage.of(model);
        try {
            return new OrtRunner(image.bytes(), image.file(), settings, false, o -> { }, image);
        } catch (OrtException | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    public RunnerSettings settings() { return settings; }

    public Set<String> outputNames() { return session.getOutputNames(); }

    public Map<String, NodeInfo> inputInfo() throws OrtException { return session.getInputInfo(); }

    public Map<String, NodeInfo> outputInfo() throws OrtException { return session.getOutputInfo(); }

    /** Runs once and copies every float output back to the host. */
    public Map<String, TensorData> run(Map<String, TensorData> inputs) throws OrtException {
        Map<String, OnnxTensor> feeds = toOrt(inputs);
        try (OrtSession.Result result = session.run(feeds)) {
            Map<String, TensorData> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                if (!(e.getValue() instanceof OnnxTensor t)) continue;
                TensorInfo info = t.getInfo();
                long[] shape = info.getShape();
                switch (info.type) {
                    case FLOAT -> {
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] f = new float[fb.remaining()];
                        fb.get(f);
                        out.put(e.getKey(), TensorData.ofFloats(shape, f));
                    }
                    case INT64 -> {
                        LongBuffer lb = t.getLongBuffer();
                        long[] l = new long[lb.remaining()];
                        lb.get(l);
                        out.put(e.getKey(), TensorData.ofLongs(shape, l));
                    }
                    default -> { }
                }
            }
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** Runs once and returns the shape of every output, whatever its element type (nothing is copied). */
    public Map<String, long[]> runShapes(Map<String, TensorData> inputs) throws OrtException {
        Map<String, OnnxTensor> feeds = toOrt(inputs);
        try (OrtSession.Result result = session.run(feeds)) {
            Map<String, long[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result)
                if (e.getValue() instanceof OnnxTensor t) out.put(e.getKey(), t.getInfo().getShape());
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** Prepared native inputs for repeated timing runs; the caller closes them. */
    public Map<String, OnnxTensor> toOrt(Map<String, TensorData> inputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        Map<String, NodeInfo> infos = session.getInputInfo();
        try {
            for (Map.Entry<String, NodeInfo> e : infos.entrySet()) {
                TensorData d = inputs.get(e.getKey());
                if (d == null) throw new IllegalArgumentException("no data for model input '" + e.getKey() + "'");
                TensorInfo ti = (TensorInfo) e.getValue().getInfo();
                if (CachedGeneration.isCache(e.getKey())) d = fittedCache(d, ti.getShape());
                OnnxTensor t = switch (ti.type) {
                    case FLOAT -> OnnxTensor.createTensor(ENV, FloatBuffer.wrap(requireFloats(e.getKey(), d)), d.shape());
                    case INT64 -> OnnxTensor.createTensor(ENV, LongBuffer.wrap(requireLongs(e.getKey(), d)), d.shape());
                    case INT32 -> {
                        long[] l = requireLongs(e.getKey(), d);
                        int[] ints = new int[l.length];
                        for (int i = 0; i < l.length; i++) ints[i] = Math.toIntExact(l[i]);
                        yield OnnxTensor.createTensor(ENV, IntBuffer.wrap(ints), d.shape());
                    }
                    default -> throw new IllegalArgumentException("input '" + e.getKey() + "' has type " + ti.type + ", which Lathe cannot feed yet");
                };
                feeds.put(e.getKey(), t);
            }
        } catch (RuntimeException | OrtException ex) {
            feeds.values().forEach(OnnxTensor::close);
            throw ex;
        }
        return feeds;
    }

    /**
     * A key/value cache prepared for the original decoder, cut to a pruned one's fewer heads: the first entries of
     * every axis the candidate declares smaller. Its timing is that of the cache it will be given; quality on such a
     * cache is approximate ({@link CachedGeneration} builds each model's own cache when the tokens must match).
     */
    private static TensorData fittedCache(TensorData d, long[] declared) {
        long[] shape = d.shape();
        if (declared.length != shape.length || !d.isFloat()) return d;
        long[] fitted = shape.clone();
        boolean cut = false;
        for (int i = 0; i < shape.length; i++) if (declared[i] > 0 && declared[i] < shape[i]) { fitted[i] = declared[i]; cut = true; }
        if (!cut) return d;
        float[] out = new float[Math.toIntExact(TensorData.elementCount(fitted))];
        int[] index = new int[shape.length];
        for (int o = 0; o < out.length; o++) {
            long at = 0;
            for (int i = 0; i < shape.length; i++) at = at * shape[i] + index[i];
            out[o] = d.floats()[(int) at];
            for (int i = shape.length - 1; i >= 0; i--) { if (++index[i] < fitted[i]) break; index[i] = 0; }
        }
        return TensorData.ofFloats(fitted, out);
    }

    /** One timed-run primitive: runs and discards the outputs. */
    public void runPrepared(Map<String, OnnxTensor> feeds) throws OrtException {
        try (OrtSession.Result ignored = session.run(feeds)) {
            // outputs are dropped: only the time matters
        }
    }

    /** Ends the profiling a {@link OptionsHook} enabled and returns the trace file ONNX Runtime wrote. */
    public java.nio.file.Path endProfiling() throws OrtException {
        return java.nio.file.Path.of(session.endProfiling());
    }

    private static float[] requireFloats(String name, TensorData d) {
        if (!d.isFloat()) throw new IllegalArgumentException("input '" + name + "' expects float32 data but got integers");
        return d.floats();
    }

    private static long[] requireLongs(String name, TensorData d) {
        if (d.isFloat()) throw new IllegalArgumentException("input '" + name + "' expects integer data but got floats");
        return d.longs();
    }

    @Override
    public void close() throws OrtException {
        try {
            session.close();
        } finally {
            if (owned != null) owned.close();
        }
    }
}
