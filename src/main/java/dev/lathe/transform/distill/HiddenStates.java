package dev.lathe.transform.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hidden-state matching at block boundaries (as TinyBERT and DistilBERT do): the residual stream after each block
 * the student kept is pulled towards the original's at the same depth. Pruning units and heads leaves those
 * tensors their width and their names; a dropped block's output is gone from the student, so the next kept block's
 * output is matched to the original's output there, which is the depth it now has to reach. Boundaries that are a
 * graph output are left to the output loss.
 *
 * <p>The loss per boundary is the squared error relative to the teacher's mean square, over real tokens only where
 * the tensor is [batch, tokens, hidden] beside an attention mask (padding is masked out); the boundaries' mean is
 * added to the output loss with the settings' weight. The teacher's hidden states come from ONNX Runtime, from a copy
 * of the original with the boundaries as extra outputs, the first time a sample is in a batch; they are kept in half
 * precision up to a bound, so later epochs do not run the teacher again and memory stays bounded.
 */
final class HiddenStates implements AutoCloseable {
    /** The id prefix of {@code TransformerLayerFinder}'s blocks. */
    private static final String TRANSFORMER_LAYER = "block:";
    private final List<String> boundaries;
    private final OrtRunner teacher;
    private final String maskInput;
    /** Half-precision teacher states by sample (the same map objects every epoch), at most {@link #CACHE_BYTES}. */
    private final Map<Map<String, TensorData>, short[][]> cache = new java.util.IdentityHashMap<>();
    private final Map<Map<String, TensorData>, long[][]> cacheShapes = new java.util.IdentityHashMap<>();
    private long cachedBytes;
    /** 512 MB: MiniLM's 5 boundaries for about 10,000 sentences of 13 tokens. */
    static final long CACHE_BYTES = 512L << 20;

    private HiddenStates(List<String> boundaries, OrtRunner teacher, String maskInput) {
        this.boundaries = boundaries;
        this.teacher = teacher;
        this.maskInput = maskInput;
    }

    /** The block outputs of {@code teacher} that {@code student} still computes, excluding graph outputs. */
    static List<String> boundaries(OnnxModel teacher, OnnxModel student) {
        Set<String> computed = new HashSet<>();
        for (NodeProto n : student.proto().getGraph().getNodeList()) computed.addAll(n.getOutputList());
        Set<String> outputs = new HashSet<>();
        for (ValueInfoProto v : teacher.proto().getGraph().getOutputList()) outputs.add(v.getName());
        for (ValueInfoProto v : student.proto().getGraph().getOutputList()) outputs.add(v.getName());
        List<RemovableBlock> blocks = GroupFinder.analyze(teacher).blocks();
        // A transformer's layers are its blocks; the residual branches inside them (attention, feed-forward) end
        // before the layer's normalization, off the residual stream, so they count only where there are no layers (ResNets).
        List<RemovableBlock> layers = blocks.stream().filter(b -> b.id().startsWith(TRANSFORMER_LAYER)).toList();
        Set<String> out = new LinkedHashSet<>();
        for (RemovableBlock b : layers.isEmpty() ? blocks : layers)
            if (computed.contains(b.output()) && !outputs.contains(b.output())) out.add(b.output());
        return List.copyOf(out);
    }

    static HiddenStates create(OnnxModel teacher, OnnxModel student, String maskInput) throws OrtException {
        List<String> names = boundaries(teacher, student);
        if (names.isEmpty()) return new HiddenStates(names, null, maskInput);
        GraphProto.Builder g = teacher.proto().getGraph().toBuilder();
        TypeProto floats = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)).build();
        for (String name : names) g.addOutput(ValueInfoProto.newBuilder().setName(name).setType(floats));
        OnnxModel withOutputs = OnnxModel.of(teacher.proto().toBuilder().setGraph(g).build());
        return new HiddenStates(names, OrtRunner.of(withOutputs, OrtRunner.RunnerSettings.cpu(Math.max(1, Runtime.getRuntime().availableProcessors()))), maskInput);
    }

    List<String> names() { return boundaries; }

    boolean isEmpty() { return boundaries.isEmpty(); }

    /** The mean relative squared error over the boundaries, for the student's hidden states of one batch. */
    NDArray loss(Map<String, NDArray> student, List<Map<String, TensorData>> samples, Map<String, NDArray> inputs) throws OrtException {
        List<Map<String, TensorData>> targets = new ArrayList<>(samples.size());
        for (Map<String, TensorData> s : samples) targets.add(teacherStates(s));
        NDArray total = null;
        for (String name : boundaries) {
            NDArray s = student.get(name);
            NDManager m = s.getManager();
            NDArray t = m.create(padded(targets, name, s.getShape()), s.getShape());
            NDArray diff = s.sub(t).square(), energy = t.square();
            NDArray mask = tokenMask(inputs, s.getShape());
            NDArray l = mask == null ? diff.sum().div(energy.sum().add(1e-12f))
                    : diff.mul(mask).sum().div(energy.mul(mask).sum().add(1e-12f));
            total = total == null ? l : total.add(l);
        }
        return total.div(boundaries.size());
    }

    /**
     * The teacher's states for one sample: from the cache (half precision) when it was seen before, else from ONNX
     * Runtime, kept while the cache is under {@link #CACHE_BYTES}. A later epoch then costs what a step without
     * hidden states does; past the bound the rest are computed each time, so memory stays bounded.
     */
    private Map<String, TensorData> teacherStates(Map<String, TensorData> sample) throws OrtException {
        short[][] cached = cache.get(sample);
        if (cached != null) {
            Map<String, TensorData> out = new java.util.HashMap<>();
            long[][] shapes = cacheShapes.get(sample);
            for (int b = 0; b < boundaries.size(); b++) {
                float[] v = new float[cached[b].length];
                for (int i = 0; i < v.length; i++) v[i] = Float.float16ToFloat(cached[b][i]);
                out.put(boundaries.get(b), TensorData.ofFloats(shapes[b], v));
            }
            return out;
        }
        Map<String, TensorData> all = teacher.run(sample);
        long bytes = 0;
        for (String name : boundaries) if (all.get(name) != null) bytes += 2L * all.get(name).size();
        if (cachedBytes + bytes <= CACHE_BYTES && boundaries.stream().allMatch(all::containsKey)) {
            short[][] halves = new short[boundaries.size()][];
            long[][] shapes = new long[boundaries.size()][];
            for (int b = 0; b < boundaries.size(); b++) {
                float[] v = all.get(boundaries.get(b)).floats();
                halves[b] = new short[v.length];
                for (int i = 0; i < v.length; i++) halves[b][i] = Float.floatToFloat16(v[i]);
                shapes[b] = all.get(boundaries.get(b)).shape();
            }
            cache.put(sample, halves);
            cacheShapes.put(sample, shapes);
            cachedBytes += bytes;
        }
        return all;
    }

    /**
     * The teacher's {@code output} for every sample, from the same ONNX Runtime run that fills the cache with its
     * hidden states, so the teacher runs once per sample for both.
     */
    List<TensorData> teacherOutputs(List<Map<String, TensorData>> samples, String output) throws OrtException {
        List<TensorData> out = new ArrayList<>(samples.size());
        for (Map<String, TensorData> s : samples) {
            TensorData t = teacherStates(s).get(output);
            if (t == null) t = teacher.run(s).get(output); // a sample object listed twice: its states were cached without the output
            if (t == null || !t.isFloat()) throw new IllegalArgumentException("the original has no float output '" + output + "' to distil against");
            out.add(t);
        }
        return out;
    }

    /** Bytes of teacher states held so far (half precision). */
    long cachedBytes() { return cachedBytes; }

    /** [batch, tokens, 1] ones on real tokens, for a [batch, tokens, hidden] state beside a mask of [batch, tokens]; else null. */
    private NDArray tokenMask(Map<String, NDArray> inputs, Shape shape) {
        if (maskInput == null || shape.dimension() != 3) return null;
        NDArray mask = inputs.get(maskInput);
        if (mask == null || mask.getShape().dimension() != 2 || mask.getShape().get(1) != shape.get(1)) return null;
        return mask.toType(DataType.FLOAT32, false).expandDims(2);
    }

    /** The teacher's batch-1 states laid into the student's batch shape, zeros past each sample's own length on axis 1. */
    private static float[] padded(List<Map<String, TensorData>> targets, String name, Shape shape) {
        long per = shape.size() / shape.get(0);
        float[] out = new float[(int) shape.size()];
        for (int i = 0; i < targets.size(); i++) {
            TensorData t = targets.get(i).get(name);
            if (t == null) throw new IllegalStateException("the original gave no hidden state '" + name + "'");
            long[] ts = t.shape();
            if (ts.length != shape.dimension()) throw new IllegalStateException("hidden state '" + name + "' has rank " + ts.length + " in the original, " + shape.dimension() + " in the student");
            if (ts.length == 3) { // [1, t_i, h] into [b, t, h]
                if (ts[2] != shape.get(2)) throw new IllegalStateException("hidden state '" + name + "' is " + ts[2] + " wide in the original, " + shape.get(2) + " in the student");
                System.arraycopy(t.floats(), 0, out, (int) (i * per), (int) Math.min(t.size(), per));
            } else {
                if (t.size() != per) throw new IllegalStateException("hidden state '" + name + "' has " + t.size() + " values per sample in the original, " + per + " in the student");
                System.arraycopy(t.floats(), 0, out, (int) (i * per), (int) per);
            }
        }
        return out;
    }

    @Override
    public void close() throws OrtException {
        if (teacher != null) teacher.close();
    }
}
