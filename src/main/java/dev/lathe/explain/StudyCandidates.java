package dev.lathe.explain;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.SearchRunner;
import dev.lathe.search.SearchSettings;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.StudyStore;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.nio.file.Path;

/**
 * The models a study is about, rebuilt on demand: its original (checked against the fingerprint the study
 * recorded) and any candidate from its genome, with the study's own settings and data, the way export rebuilds
 * them. The one place the explaining tools (profile, per-node error, the graph's overlays) read a study.
 */
public final class StudyCandidates {
    private final StudyStore store;
    private final OnnxModel original;
    private final SearchSettings settings;
    private EvaluationData.Split split;
    private CandidateBuilder builder;

    private StudyCandidates(StudyStore store, OnnxModel original, SearchSettings settings) {
        this.store = store;
        this.original = original;
        this.settings = settings;
    }

    public static StudyCandidates of(StudyStore store) {
        String path = store.meta("model_path").orElseThrow(() -> new IllegalArgumentException("study " + store.file().getFileName() + " has no model path"));
        OnnxModel original = OnnxModel.load(Path.of(path));
        if (!original.sha256().equals(store.meta("model_sha256").orElse("")))
            throw new IllegalArgumentException(path + " has changed since the study measured it; its candidates cannot be rebuilt faithfully");
        SearchSettings settings = SearchSettings.fromJson(store.meta("settings").orElseThrow(() -> new IllegalArgumentException("study has no settings")));
        return new StudyCandidates(store, original, settings);
    }

    public OnnxModel original() { return original; }

    public Path originalPath() { return Path.of(store.meta("model_path").orElseThrow()); }

    public SearchSettings settings() { return settings; }

    public StudyStore store() { return store; }

    /** The study's calibration and evaluation data, resolved once. */
    public EvaluationData.Split data() {
        if (split == null) split = settings.data(original);
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

    /** Samples the per-node error is measured on: the first few of the study's evaluation data. */
    public static final int ERROR_SAMPLES = 4;

    /** Candidate {@code id}'s per-node error against the original on the first {@link #ERROR_SAMPLES} evaluation samples. */
    public dev.lathe.eval.error.NodeErrors.Report errors(long id) throws ai.onnxruntime.OrtException {
        return dev.lathe.eval.error.NodeErrors.compare(original, build(id), data().evaluation().head(ERROR_SAMPLES).samples());
    }

    public CandidateBuilder builder() throws ai.onnxruntime.OrtException {
        if (builder == null) builder = SearchRunner.builderFor(original, settings, data());
        return builder;
    }
}
