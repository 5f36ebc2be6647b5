package dev.lathe.analysis;

import java.util.List;
import java.util.Map;

/** What a model is, as the model view and {@code inspect} show it. */
public record ModelSummary(String file, long sizeBytes, String sha256, int opset, String producer, long parameters,
                           List<Port> inputs, List<Port> outputs, Long macs, String macsShape, Map<String, Integer> operators,
                           List<PrunableGroup> groups, List<UnprunableStructure> unprunable, List<QuantizableLayer> quantizable,
                           List<RemovableBlock> blocks) {
    /** An input or output: name, element type and dimensions (symbolic ones by name). */
    public record Port(String name, String type, List<String> dims) {}
}
