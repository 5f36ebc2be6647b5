package dev.lathe.pool.agent;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.worker.WorkerProcess;
import dev.lathe.model.OnnxModel;
import dev.lathe.pool.StudyPackage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.GenomeJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * One study as an agent holds it: the original loaded from the study's folder (its hash checked against the
 * client's), the deterministic {@link CandidateBuilder} made from the same options and calibration data the
 * search uses, and the existing measurement worker ({@link WorkerProcess}, with its timeout and crash handling)
 * started on the study's setup, its temporary files and crash reports kept in the agent's cache.
 */
final class AgentStudy implements AutoCloseable {
    /** A measured candidate and the SHA-256 of the model built from its genome, so the client can see what was measured. */
    record Measured(Measurement measurement, String candidateSha256, double buildSeconds) {}

    final String key;
    private final OnnxModel original;
    private final CandidateBuilder builder;
    private final WorkerProcess worker;
    private final Path tmp;
    private SessionInfo info;

    private AgentStudy(String key, OnnxModel original, CandidateBuilder builder, WorkerProcess worker, Path tmp) {
        this.key = key;
        this.original = original;
        this.builder = builder;
        this.worker = worker;
        this.tmp = tmp;
    }

    static AgentStudy open(String key, StudyPackage pkg, Path dir, AgentCache cache, Consumer<String> log) throws Exception {
        MeasurementSetup s = pkg.setup();
        MeasurementSetup local = StudyPackage.relocate(s, resolve(dir, s.originalModel()), resolve(dir, s.dataPath()), resolve(dir, s.tokenizerPath()));
        OnnxModel original = OnnxModel.load(Path.of(local.originalModel()));
        if (!original.sha256().equals(pkg.originalSha256()))
            throw new IOException("the original model here hashes to " + original.sha256() + ", the client's to " + pkg.originalSha256());
        EvaluationData.Split split = EvaluationData.resolve(original, local.dataPath() == null ? null : Path.of(local.dataPath()),
                local.tokenizerPath() == null ? null : Path.of(local.tokenizerPath()), local.inputShapes(), local.imagePreprocessing());
        CandidateBuilder builder = CandidateBuilder.create(original, pkg.pruning(), pkg.quantization(),
                pkg.calibrate() ? split.calibration().samples() : null);
        Path tmp = cache.tmp();
        WorkerProcess.Options options = WorkerProcess.Options.defaults().withRequestSeconds(pkg.requestSeconds())
                .withJvmArgs(List.of("-Djava.io.tmpdir=" + tmp, "-DDJL_CACHE_DIR=" + cache.root().resolve("djl")));
        if (pkg.workerHeap() != null) options = options.withHeap(pkg.workerHeap());
        AgentStudy study = new AgentStudy(key, original, builder, new WorkerProcess(local, options, log), tmp);
        study.info = study.worker.start();
        return study;
    }

    private static String resolve(Path dir, String relative) throws IOException {
        return relative == null ? null : AgentCache.inside(dir, relative).toString();
    }

    SessionInfo info() { return info; }

    Measured measure(String genomeJson) throws CandidateFailedException, IOException {
        long t0 = System.nanoTime();
        OnnxModel candidate = build(genomeJson);
        double build = (System.nanoTime() - t0) / 1e9;
        // A candidate over the external-data threshold goes to the worker as model.onnx plus its data file.
        try (dev.lathe.model.ModelImage image = dev.lathe.model.ModelImage.onDisk(candidate, tmp)) {
            Measurement m = worker.measure(image.file()).withParameters(candidate.parameterCount());
            boolean oneFile = candidate.totalInitializerBytes() <= OnnxModel.externalDataThreshold();
            return new Measured(m, oneFile ? OnnxModel.sha256Of(image.file()) : candidate.contentSha256(), build);
        }
    }

    private OnnxModel build(String genomeJson) throws CandidateFailedException {
        try {
            return builder.build(GenomeJson.read(genomeJson));
        } catch (RuntimeException e) {
            throw new CandidateFailedException(CandidateFailedException.Kind.ERROR, "cannot build the candidate: " + e.getMessage(), e);
        }
    }

    /** The candidate rebuilt from its genome, timed A B B A against the original in this study's worker. */
    dev.lathe.eval.timing.InterleavedComparison.Result confirm(String genomeJson) throws CandidateFailedException, IOException {
        OnnxModel candidate = build(genomeJson);
        Path file = Files.createTempFile(tmp, "confirmed-", ".onnx");
        try {
            Files.write(file, candidate.toBytes());
            return worker.confirm(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    Measurement reference() throws CandidateFailedException {
        return worker.reference();
    }

    String originalName() {
        return original.source() == null ? "?" : original.source().getFileName().toString();
    }

    @Override
    public void close() {
        worker.close();
    }
}
