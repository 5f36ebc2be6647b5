package dev.lathe.cli.options;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.ModelGate;

import java.nio.file.Path;

/**
 * MODEL as a command starts from: the argument (a file, or a bundled sample with its data) and the model loaded
 * from it, with the shapes and data the command's options make of them. Every command that runs a model loads
 * it here, so a check on what comes in is made in one place.
 */
public record LoadedModel(ModelArgument argument, OnnxModel model) {
    public static LoadedModel load(String modelArgument) {
        ModelArgument m = ModelArgument.parse(modelArgument);
        return new LoadedModel(m, ModelGate.admit(m.model())); // a broken file ends the command in one line naming it
    }

    /** As {@link #load}, with weights in external data left on disk: for commands that only run the model ({@link ModelGate#admitGraph}). */
    public static LoadedModel loadGraph(String modelArgument) {
        ModelArgument m = ModelArgument.parse(modelArgument);
        return new LoadedModel(m, ModelGate.admitGraph(m.model()));
    }

    /** The model's file. */
    public Path file() {
        return argument.model();
    }

    /** Its input shapes bound by {@code --batch}, {@code --seq-len} and {@code --shape}. */
    public InputShapes shapes(InputShapeOptions shape) {
        return shape.resolve(model.proto().getGraph());
    }

    /** Its calibration and evaluation samples from {@code --data}/{@code --tokenizer}, else the sample's own. */
    public EvaluationData.Split split(DataOptions data, InputShapeOptions shape) {
        return data.resolve(argument, model, shapes(shape));
    }
}
