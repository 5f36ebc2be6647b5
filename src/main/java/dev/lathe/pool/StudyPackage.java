package dev.lathe.pool;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.QuantizationOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a device needs to measure a study's candidates, sent with every task (a few hundred bytes; the files it
 * names are sent once, by SHA-256, and cached): the measurement setup with its paths relative to the study's
 * folder on the device, the options the candidate builder takes, the original's SHA-256 as Lathe computes it
 * (checked after loading), the files and their hashes, and the worker's limits. The device lays the files out
 * as {@code model/} (the model and what sits beside it that Lathe reads: external data, preprocessing, tokenizer,
 * default data), {@code data/} and {@code tokenizer/}, so the data resolve exactly as they do for the search.
 * {@code calibrate} says whether the builder gets calibration samples (false on random inputs, where the search
 * falls back to magnitude ranking).
 */
public record StudyPackage(MeasurementSetup setup, PruningOptions pruning, QuantizationOptions quantization, boolean calibrate,
                           String originalSha256, List<PackedFile> files, double requestSeconds, String workerHeap) {
    /** A file of the study, by its path under the study folder and its content's SHA-256. */
    public record PackedFile(String path, String sha256, long size) {}

    /** Names Lathe looks for beside the model: image preprocessing, default data and tokenizers. */
    private static final List<String> BESIDE_MODEL = List.of("preprocessor_config.json", "test.csv", "calibration.csv", "sentences.txt");

    public StudyPackage {
        files = List.copyOf(files);
    }

    /**
     * Packs the study of {@code original} measured with {@code local} (absolute paths on this machine); fills
     * {@code localFiles} with where each hash is read from here.
     */
    public static StudyPackage of(OnnxModel original, MeasurementSetup local, PruningOptions pruning, QuantizationOptions quantization,
                                  boolean calibrate, double requestSeconds, String workerHeap, Map<String, Path> localFiles) {
        Path model = Path.of(local.originalModel()).toAbsolutePath().normalize();
        Map<String, Path> byName = new LinkedHashMap<>();
        byName.put("model/" + model.getFileName(), model);
        Path folder = model.getParent();
        for (String location : externalData(model)) byName.put("model/" + location, folder.resolve(location).normalize());
        for (String name : BESIDE_MODEL) if (Files.isRegularFile(folder.resolve(name))) byName.put("model/" + name, folder.resolve(name));
        EvaluationData.findTokenizer(original).ifPresent(t -> byName.put("model/" + t.getFileName(), t));
        String data = null;
        if (local.dataPath() != null) {
            Path d = Path.of(local.dataPath()).toAbsolutePath().normalize();
            data = "data/" + d.getFileName();
            if (Files.isDirectory(d)) addTree(byName, data, d);
            else {
                byName.put(data, d);
                Path calib = d.resolveSibling("calibration.csv");
                if (Files.isRegularFile(calib) && !calib.equals(d)) byName.put("data/calibration.csv", calib);
            }
        }
        String tokenizer = null;
        if (local.tokenizerPath() != null) {
            Path t = Path.of(local.tokenizerPath()).toAbsolutePath().normalize();
            tokenizer = "tokenizer/" + t.getFileName();
            byName.put(tokenizer, t);
        }
        List<PackedFile> files = new ArrayList<>();
        for (var e : byName.entrySet()) {
            try {
                String sha = OnnxModel.sha256Of(e.getValue());
                files.add(new PackedFile(e.getKey(), sha, Files.size(e.getValue())));
                localFiles.put(sha, e.getValue());
            } catch (IOException x) {
                throw new UncheckedIOException("cannot read " + e.getValue() + " to send it to the pool", x);
            }
        }
        MeasurementSetup relative = relocate(local, "model/" + model.getFileName(), data, tokenizer);
        return new StudyPackage(relative, pruning, quantization, calibrate, original.sha256(), files, requestSeconds, workerHeap);
    }

    /** {@code setup} with its model, data and tokenizer at the given paths (null keeps none). */
    public static MeasurementSetup relocate(MeasurementSetup s, String model, String data, String tokenizer) {
        return new MeasurementSetup(model, data, tokenizer, s.batch(), s.sequenceLength(), s.shapes(), s.threads(), s.provider(),
                s.optimizationLevel(), s.protocol(), s.withQuality(), s.peakMemory(), s.clock(), s.imageMean(), s.imageStd(), s.qualityFloor());
    }

    private static void addTree(Map<String, Path> out, String prefix, Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList())
                out.put(prefix + "/" + dir.relativize(p).toString().replace('\\', '/'), p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The external data files the model file names (relative to its folder). */
    private static List<String> externalData(Path model) {
        List<String> out = new ArrayList<>();
        try {
            ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
            for (TensorProto t : proto.getGraph().getInitializerList()) {
                if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) continue;
                for (StringStringEntryProto e : t.getExternalDataList())
                    if (e.getKey().equals("location") && !out.contains(e.getValue())) out.add(e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model, e);
        }
        return out;
    }
}
