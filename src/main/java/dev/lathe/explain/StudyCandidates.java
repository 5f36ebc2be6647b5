package dev.lathe.explain;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.CandidateBuilders;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.StudyModel;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Path;

/**
 * The models a study is about, rebuilt on demand: its original (checked against the fingerprint the study
 * recorded) and any candidate from its genome, with the study's own configuration and data, the way export
 * rebuilds them. The one place the explaining tools (profile, per-node error, the graph's overlays) read a study.
 */
public final class StudyCandidates {
    /** Samples the per-node error is measured on: the first few of the study's evaluation data. */
    public static final int ERROR_SAMPLES = 4;

    private final StudyStorage store;
    private final OnnxModel original;
    private final Path originalPath;
    private final StudyConfig config;
    private EvaluationData.Split split;
    private CandidateBuilder builder;

    private StudyCandidates(StudyStorage store, OnnxModel original, Path originalPath, StudyConfig config) {
        this.store = store;
        this.original = original;
        this.originalPath = originalPath;
        this.config = config;
    }

    public static StudyCandidates of(StudyStorage store) {
        StudyModel studyModel = StudyModel.of(store); // through the gate, refused if the file changed
        Path path = studyModel.path();
        OnnxModel original = studyModel.model();
        StudyConfig config = StudyConfig.of(store).orElseThrow(() -> new IllegalArgumentException("study " + store.file().getFileName() + " has no settings"));
        return new StudyCandidates(store, original, path, config);
    }

    public OnnxModel original() { return original; }

    public Path originalPath() { return originalPath; }

    public StudyConfig config() { return config; }

    public StudyStorage store() { return store; }

    /** The study's calibration and evaluation data, resolved once. */
    public EvaluationData.Split data() {
        if (split == null) split = config.data().resolve(original);
        return split;
    }

    public CandidateRecord record(long id) {
        return store.get(id).orElseThrow(() -> new IllegalArgumentException("study " + store.file().getFileName() + " has no candidate " + id));
    }

    public Genome genome(long id) {
        return GenomeJson.read(record(id).genomeJson());
    }

    /** Candidate {@code id} rebuilt from the original and its genome. */
    public OnnxModel build(long id) throws ai.onnxruntime.OrtException {
        return builder().build(genome(id));
    }

    /** Candidate {@code id}'s per-node error against the original on the first {@link #ERROR_SAMPLES} evaluation samples. */
    public dev.lathe.eval.error.NodeErrors.Report errors(long id) throws ai.onnxruntime.OrtException {
        return dev.lathe.eval.error.NodeErrors.compare(original, build(id), data().evaluation().head(ERROR_SAMPLES).samples());
    }

    public CandidateBuilder builder() throws ai.onnxruntime.OrtException {
        if (builder == null) builder = CandidateBuilders.of(original, config, data());
        return builder;
    }
}
