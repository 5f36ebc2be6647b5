package dev.lathe.analysis;

import java.util.List;
import java.util.Map;

/** What a model is, as the model view and {@code inspect} show it. */
public record ModelSummary(String file, long sizeBytes, String sha256, int opset, String producer, long parameters,
                           List<Port> inputs, List<Port> outputs, Long macs, String macsShape, Map<String, Integer> operators,
                           List<PrunableGroup> groups, List<UnprunableStructure> unprunable, List<QuantizableLayer> quantizable,
                           List<RemovableBlock> blocks, List<Layer> layers) {
    /** An input or output: name, element type and dimensions (symbolic ones by name). */
    public record Port(String name, String type, List<String> dims) {}

    /**
     * A node that holds weights or does the multiplying: its name (its first output where the node is unnamed),
     * operator, the elements of the initializers it reads (a weight shared by two nodes counts at both) and its
     * multiply-accumulates at the inspected shape (null where it does none or the shape run failed).
     */
    public record Layer(String name, String opType, long parameters, Long macs) {}
}
