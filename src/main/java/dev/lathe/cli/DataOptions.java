package dev.lathe.cli;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where a command's calibration and evaluation samples come from, split the way studies split them. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "FILE", description = "a folder of images (class sub-folders give labels), .npy/.npz, .csv (flattened samples, optional label column) or .txt (one sample per line)")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "HuggingFace tokenizer.json for text data")
    Path tokenizer;

    EvaluationData.Split resolve(ModelArgument m, OnnxModel model, InputShapes shapes) {
        Path d = data != null ? data : m.defaultData();
        Path t = tokenizer != null ? tokenizer : m.defaultTokenizer();
        return EvaluationData.resolve(model, d, t, shapes);
    }
}
