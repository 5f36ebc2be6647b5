package dev.lathe.cli.options;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where a command's calibration and evaluation samples come from, split the way studies split them. */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "PATH", description = "a folder of images (class sub-folders give labels), .npy/.npz (arrays named like the inputs, optional 'labels'), "
            + ".csv (flattened samples, optional label column) or .txt (one sample per line, optional tab and label); see README 'Data'")
    public Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "HuggingFace tokenizer.json for text data")
    public Path tokenizer;

    public EvaluationData.Split resolve(ModelArgument m, OnnxModel model, InputShapes shapes) {
        return EvaluationData.resolve(model, dataPath(m), tokenizerPath(m), shapes);
    }

    /** The data given, else the sample's own; null for none. */
    public Path dataPath(ModelArgument m) {
        return data != null ? data : m.defaultData();
    }

    /** The tokenizer given, else the sample's own; null for none. */
    public Path tokenizerPath(ModelArgument m) {
        return tokenizer != null ? tokenizer : m.defaultTokenizer();
    }
}
