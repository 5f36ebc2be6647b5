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

    /** The fixed shapes, checked against the model's inputs. */
    public Map<String, long[]> fixed(GraphProto graph) {
        return InputShapes.parseFixed(shapes, graph);
    }

    public InputShapes resolve(GraphProto graph) {
        return new InputShapes(batch, seqLen, fixed(graph));
    }
}
