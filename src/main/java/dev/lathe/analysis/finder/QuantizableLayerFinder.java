package dev.lathe.analysis.finder;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.analysis.pattern.LinearLayer;
import dev.lathe.analysis.pattern.NodeNames;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Layers that can run at another precision: linear layers computing exactly x W + C (a Gemm's alpha and beta of 1),
 * and Conv layers with a constant float filter and a constant bias (or none).
 */
public final class QuantizableLayerFinder implements StructureFinder<QuantizableLayer> {
    @Override
    public List<QuantizableLayer> find(MutableGraph graph, Reasons reasons) {
        List<QuantizableLayer> out = new ArrayList<>();
        for (int i = 0; i < graph.nodeCount(); i++) {
            NodeProto n = graph.node(i);
            if (n.getOpType().equals("Conv")) {
                convolution(graph, n, i).ifPresent(out::add);
                continue;
            }
            Optional<LinearLayer> w = LinearLayer.of(graph, n);
            if (w.isEmpty() || w.get().scaled()) continue;
            out.add(new QuantizableLayer(w.get().node(), n.getOpType(), i, w.get().weight(), (int) w.get().inputs(), (int) w.get().outputs()));
        }
        return out;
    }

    /** A Conv with a constant float filter and a constant bias (or none): k is inputs per output channel (channels x taps). */
    private static Optional<QuantizableLayer> convolution(MutableGraph graph, NodeProto n, int index) {
        if (n.getInputCount() < 2) return Optional.empty();
        TensorProto w = graph.initializer(n.getInput(1));
        if (w == null || w.getDimsCount() < 3 || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) return Optional.empty();
        if (graph.constant(n.getInput(0)).isPresent()) return Optional.empty();
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty() && graph.initializer(n.getInput(2)) == null) return Optional.empty();
        long outChannels = w.getDims(0);
        return Optional.of(new QuantizableLayer(NodeNames.id(n), "Conv", index, w.getName(), (int) (Tensors.elementCount(w) / outChannels), (int) outChannels));
    }
}
