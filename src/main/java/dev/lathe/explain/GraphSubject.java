package dev.lathe.explain;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnxruntime.OrtException;
import dev.lathe.analysis.TensorShapes;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.error.NodeErrors;
import dev.lathe.eval.profile.FusionMap;
import dev.lathe.eval.profile.ModelProfile;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the graph view shows for a model or a candidate: the graph to draw (every node uniquely named), the
 * shape of every tensor from one probing run, and each node's figures — measured ms and share with its kernel,
 * error against the original, what the candidate changed, the layer's sensitivity score — by node name.
 */
public record GraphSubject(String title, String studySubject, ModelProto display, Map<String, List<String>> shapes, Map<String, NodeFigures> figures,
                           ModelProfile profile, String firstJump, CandidateDiff diff) {
    /** A node's figures; any may be null when not measured. */
    public record NodeFigures(Double ms, Double share, String kernel, String provider, List<String> fusedWith,
                              Double relativeL2, Double cosine, CandidateChanges.Change change, Double sensitivity) {
        NodeFigures withSensitivity(Double s) {
            return new NodeFigures(ms, share, kernel, provider, fusedWith, relativeL2, cosine, change, s);
        }
    }

    public NodeFigures figures(String node) {
        return figures.get(node);
    }

    /**
     * Probing holds every intermediate tensor of one run at once: above this size of model (weights included) the
     * view keeps the shapes the model records rather than risk the memory.
     */
    public static final long PROBE_LIMIT_BYTES = 512L << 20;

    /** The original model, with its stored or given profile (null: none yet). */
    public static GraphSubject original(OnnxModel model, InputShapes shapes, ModelProfile profile) throws OrtException {
        ModelProto display = model.proto().toBuilder().setGraph(FusionMap.uniquelyNamed(model.proto().getGraph())).build();
        return build("original", dev.lathe.study.ProfileStore.ORIGINAL, display, shapes(model, shapes), profile, null, Map.of());
    }

    private static Map<String, List<String>> shapes(OnnxModel model, InputShapes shapes) throws OrtException {
        // The weights' size first: a proto's serialized size is an int, which wraps for a model over 2 GiB.
        boolean large = model.totalInitializerBytes() > PROBE_LIMIT_BYTES || model.proto().getSerializedSize() > PROBE_LIMIT_BYTES;
        return large ? Map.of() : TensorShapes.probe(model, shapes);
    }

    /**
     * Candidate {@code id} of a study: rebuilt, its changes against the original, its per-node error on the
     * study's evaluation samples, and its profile if the study holds one.
     */
    public static GraphSubject candidate(StudyCandidates study, long id, InputShapes shapes) throws OrtException {
        OnnxModel built = study.build(id);
        Map<String, List<String>> probed = shapes(built, shapes);
        CandidateChanges changes = CandidateChanges.of(study.original(), built, study.genome(id), shapes(study.original(), shapes), probed);
        return candidate(study, id, built, probed, changes);
    }

    /**
     * Candidate {@code after} as {@link #candidate} shows it, with its differences from candidate {@code before}
     * ({@link #diff()}); the graph gains the nodes only {@code before} has, so each difference has a node.
     */
    public static GraphSubject compared(StudyCandidates study, long before, long after, InputShapes shapes) throws OrtException {
        Map<String, List<String>> originalShapes = shapes(study.original(), shapes);
        OnnxModel a = study.build(before), b = study.build(after);
        Map<String, List<String>> probedA = shapes(a, shapes), probedB = shapes(b, shapes);
        CandidateChanges ca = CandidateChanges.of(study.original(), a, study.genome(before), originalShapes, probedA);
        CandidateChanges cb = CandidateChanges.of(study.original(), b, study.genome(after), originalShapes, probedB);
        CandidateDiff diff = CandidateDiff.of("candidate #" + before, ca, "candidate #" + after, cb);
        GraphSubject s = candidate(study, after, b, probedB, cb);
        Map<String, List<String>> allShapes = new HashMap<>(probedA);
        allShapes.putAll(probedB);
        Map<String, NodeFigures> f = new HashMap<>(s.figures);
        for (NodeProto n : diff.display().getGraph().getNodeList())
            f.putIfAbsent(n.getName(), new NodeFigures(null, null, null, null, List.of(), null, null, null, null)); // only before's: the diff says so
        return new GraphSubject(s.title + " vs #" + before, s.studySubject, diff.display(), Map.copyOf(allShapes), Map.copyOf(f), s.profile, s.firstJump, diff);
    }

    private static GraphSubject candidate(StudyCandidates study, long id, OnnxModel built, Map<String, List<String>> probed, CandidateChanges changes) throws OrtException {
        NodeErrors.Report errors = NodeErrors.compare(study.original(), built, study.data().evaluation().head(StudyCandidates.ERROR_SAMPLES).samples());
        String subject = dev.lathe.study.ProfileStore.candidate(id);
        ModelProfile profile = Profiles.stored(study.store().file(), subject).orElse(null);
        GraphSubject s = build("candidate #" + id, subject, changes.display(), probed, profile, errors, changes.changes());
        return s;
    }

    /** The same subject with a (new) profile. */
    public GraphSubject withProfile(ModelProfile p) {
        Map<String, NodeFigures> f = new HashMap<>(figures);
        for (NodeProto n : display.getGraph().getNodeList()) {
            NodeFigures old = f.get(n.getName());
            ModelProfile.Node pn = p == null ? null : p.nodes().stream().filter(x -> x.name().equals(n.getName())).findFirst().orElse(null);
            f.put(n.getName(), new NodeFigures(pn == null ? null : pn.ms(), pn == null ? null : pn.share(), pn == null ? null : pn.kernel(),
                    pn == null ? null : pn.provider(), pn == null ? List.of() : pn.fusedWith(), old.relativeL2(), old.cosine(), old.change(), old.sensitivity()));
        }
        return new GraphSubject(title, studySubject, display, shapes, Map.copyOf(f), p, firstJump, diff);
    }

    /** The same subject with sensitivity scores (quality drop when the layer alone is reduced) by layer id. */
    public GraphSubject withSensitivity(Map<String, Double> drops) {
        Map<String, NodeFigures> f = new HashMap<>(figures);
        f.replaceAll((k, v) -> v.withSensitivity(drops.get(k)));
        return new GraphSubject(title, studySubject, display, shapes, Map.copyOf(f), profile, firstJump, diff);
    }

    private static GraphSubject build(String title, String subject, ModelProto display, Map<String, List<String>> shapes, ModelProfile profile,
                                      NodeErrors.Report errors, Map<String, CandidateChanges.Change> changes) {
        // Errors are of tensors: a display node carries the error of the tensor it writes (a candidate's Conv with its
        // BatchNormalization folded in writes what the original's BatchNormalization wrote).
        Map<String, NodeErrors.NodeError> byTensor = new HashMap<>();
        if (errors != null) for (NodeErrors.NodeError e : errors.nodes()) if (e.compared()) byTensor.put(e.tensor(), e);
        String jump = null;
        if (errors != null && errors.firstJump() != null) {
            String jumpTensor = errors.node(errors.firstJump()).map(NodeErrors.NodeError::tensor).orElse(null);
            for (NodeProto n : display.getGraph().getNodeList())
                if (jump == null && !removed(changes.get(n.getName())) && n.getOutputCount() > 0 && n.getOutput(0).equals(jumpTensor)) jump = n.getName();
        }
        Map<String, NodeFigures> f = new HashMap<>();
        for (NodeProto n : display.getGraph().getNodeList()) {
            NodeErrors.NodeError e = n.getOutputCount() == 0 || removed(changes.get(n.getName())) ? null : byTensor.get(n.getOutput(0));
            f.put(n.getName(), new NodeFigures(null, null, null, null, List.of(), e == null ? null : e.relativeL2(), e == null ? null : e.cosine(),
                    changes.get(n.getName()), null));
        }
        GraphSubject s = new GraphSubject(title, subject, display, shapes, Map.copyOf(f), null, jump, null);
        return profile == null ? s : s.withProfile(profile);
    }

    private static boolean removed(CandidateChanges.Change c) {
        return c != null && (c.kind() == CandidateChanges.Kind.DROPPED || c.kind() == CandidateChanges.Kind.REPLACED);
    }

    /** The measuring setup for profiling a subject of this model in the graph view: one thread, the given input shape. */
    public static MeasurementSetup profileSetup(Path model, InputShapes shapes, String dataPath, String tokenizerPath) {
        Map<String, List<Long>> fixed = new java.util.LinkedHashMap<>();
        shapes.fixed().forEach((k, v) -> fixed.put(k, java.util.Arrays.stream(v).boxed().toList()));
        return new MeasurementSetup(model.toAbsolutePath().toString(), dataPath, tokenizerPath, shapes.batch(), shapes.sequenceLength(), fixed, 1, "cpu", "all",
                TimingProtocol.DEFAULT, false, false);
    }
}
