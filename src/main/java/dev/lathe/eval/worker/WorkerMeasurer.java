package dev.lathe.eval.worker;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;
import dev.lathe.model.ModelImage;
import dev.lathe.model.OnnxModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Measures candidates in a {@link WorkerProcess}: each candidate is written to a temporary folder (a model over
 * the external-data threshold as {@code model.onnx} plus its data file, which no pipe or protobuf could carry), the
 * worker opens it by path and measures it, the folder is deleted. A candidate that kills or hangs the worker fails with the
 * reason and the next one gets a fresh worker.
 */
public final class WorkerMeasurer implements CandidateMeasurer {
    private final WorkerProcess worker;
    private final Path folder;

    public WorkerMeasurer(MeasurementSetup setup, WorkerProcess.Options options, Consumer<String> log) {
        this.worker = new WorkerProcess(setup, options, log);
        try {
            this.folder = Files.createTempDirectory("lathe-candidates-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for candidates", e);
        }
    }

    public WorkerProcess process() { return worker; }

    @Override
    public SessionInfo start() {
        return worker.start();
    }

    @Override
    public Measurement measure(OnnxModel candidate) throws CandidateFailedException {
        try (ModelImage file = ModelImage.onDisk(candidate, folder)) {
            return worker.measure(file.file()).withParameters(candidate.parameterCount());
        }
    }

    @Override
    public dev.lathe.eval.timing.InterleavedComparison.Result confirm(OnnxModel candidate) throws CandidateFailedException {
        try (ModelImage file = ModelImage.onDisk(candidate, folder)) {
            return worker.confirm(file.file());
        }
    }

    /** Per-node times of {@code model} (null: the original), profiled in the worker. */
    public dev.lathe.eval.profile.ModelProfile profile(OnnxModel model) throws CandidateFailedException {
        if (model == null) return worker.profile(null);
        Path file = folder.resolve("profiled.onnx");
        try {
            Files.write(file, model.toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + file, e);
        }
        try {
            return worker.profile(file);
        } finally {
            try { Files.deleteIfExists(file); } catch (IOException ignored) { /* the folder goes at close */ }
        }
    }

    @Override
    public Measurement measureReference() throws CandidateFailedException {
        return worker.reference();
    }

    @Override
    public boolean isolated() { return true; }

    @Override
    public void close() {
        worker.close();
        try (var s = Files.list(folder)) {
            for (Path p : s.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(folder);
        } catch (IOException ignored) {
            // temporary files: the system cleans what is left
        }
    }
}
