package dev.lathe.transform.pruning;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.MutableGraph;
import dev.lathe.model.Tensors;
import org.ejml.data.DMatrixRMaj;

/**
 * The weight of the layer that reads a group, seen as one [features, outs] matrix whatever its layout: a
 * MatMul's [in, out], a Gemm's transposed [out, in], or a convolution's [out, channels, kernel...] filters read
 * as [out, channels*taps] so that each feature is one position of the kernel window, matching the window
 * statistics of {@link ActivationStats}. Ranking and repair both work on this view.
 */
public final class ConsumerWeights {
    final PrunableGroup.Consumer consumer;
    final TensorProto weight;
    /** The bias tensor, or null when the layer has none (its refit then has no intercept). */
    public final TensorProto bias;
    public final int features, outs;
    private final int rows, cols;
    private final float[] values;

    private ConsumerWeights(PrunableGroup.Consumer consumer, TensorProto weight, TensorProto bias) {
        this.consumer = consumer;
        this.weight = weight;
        this.bias = bias;
        this.values = Tensors.toFloats(weight);
        this.rows = (int) weight.getDims(0);
        this.cols = (int) (Tensors.elementCount(weight) / rows);
        this.features = consumer.transposed() ? cols : rows;
        this.outs = consumer.transposed() ? rows : cols;
    }

    public static ConsumerWeights of(MutableGraph graph, PrunableGroup.Consumer consumer) {
        return new ConsumerWeights(consumer, graph.initializer(consumer.weight()),
                consumer.bias() == null ? null : graph.initializer(consumer.bias()));
    }

    double get(int feature, int out) {
        return consumer.transposed() ? values[out * cols + feature] : values[feature * cols + out];
    }

    /** Squared norm of what one input feature writes to all outputs. */
    public double featureEnergy(int feature) {
        double s = 0;
        for (int o = 0; o < outs; o++) { double v = get(feature, o); s += v * v; }
        return s;
    }

    /** [W; b]: (features+1) x outs, the bias as the weight of a constant input (zero without a bias). */
    public DMatrixRMaj withBiasRow() {
        DMatrixRMaj m = new DMatrixRMaj(features + 1, outs);
        for (int f = 0; f < features; f++) for (int o = 0; o < outs; o++) m.unsafe_set(f, o, get(f, o));
        if (bias != null) {
            float[] b = Tensors.toFloats(bias);
            for (int o = 0; o < outs; o++) m.unsafe_set(features, o, b[o]);
        }
        return m;
    }

    /** Stores new weights given per feature (rows of {@code w} are features; features not listed become zero). */
    void write(MutableGraph graph, int[] featureOfRow, DMatrixRMaj w, double[] newBias) {
        float[] nw = new float[values.length];
        for (int i = 0; i < featureOfRow.length; i++) {
            int f = featureOfRow[i];
            for (int o = 0; o < outs; o++) {
                float v = (float) w.get(i, o);
                if (consumer.transposed()) nw[o * cols + f] = v; else nw[f * cols + o] = v;
            }
        }
        graph.putInitializer(Tensors.floats(weight.getName(), Tensors.dims(weight), nw));
        if (bias != null && newBias != null) {
            float[] nb = new float[outs];
            for (int o = 0; o < outs; o++) nb[o] = (float) newBias[o];
            graph.putInitializer(Tensors.floats(bias.getName(), Tensors.dims(bias), nb));
        }
    }
}
