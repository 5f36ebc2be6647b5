package dev.lathe.cli.options;

import ai.onnx.proto.OnnxMl.GraphProto;
import dev.lathe.model.InputShapes;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The input-shape options every command that runs a model shares: batch, sequence length, and fixed shapes. */
public final class InputShapeOptions {
    @Option(names = "--batch", defaultValue = "1", description = "batch size for dynamic batch dimensions (default ${DEFAULT-VALUE})")
    public int batch;

    @Option(names = "--seq-len", defaultValue = "128", description = "size of other dynamic dimensions: sequence length or image side (default ${DEFAULT-VALUE})")
    public int seqLen;

    @Option(names = "--shape", paramLabel = "INPUT=d1,d2,...", description = "fix all dimensions of an input (repeatable), e.g. input=1,3,224,224")
    public List<String> shapes = new ArrayList<>();

    @Option(names = "--context", defaultValue = "0", paramLabel = "TOKENS",
            description = "tokens already in a decoder's key/value cache: its past length, and the attention mask's total length is this plus --seq-len (default ${DEFAULT-VALUE})")
    public int context;

    /**
     * The fixed shapes, checked against the model's inputs. With {@code --context}, a decoder's cache inputs and
     * attention mask are fixed at the bound lengths, so every consumer of fixed shapes (measuring workers included)
     * binds them alike.
     */
    public Map<String, long[]> fixed(GraphProto graph) {
        Map<String, long[]> fixed = new java.util.LinkedHashMap<>(InputShapes.parseFixed(shapes, graph));
        if (context > 0) {
            InputShapes bound = new InputShapes(batch, seqLen, fixed, context);
            for (var v : InputShapes.realInputs(graph))
                if (!fixed.containsKey(v.getName()) && InputShapes.hasContextAxis(v)) fixed.put(v.getName(), bound.resolve(v));
        }
        return fixed;
    }

    public InputShapes resolve(GraphProto graph) {
        return new InputShapes(batch, seqLen, fixed(graph), context);
    }
}
