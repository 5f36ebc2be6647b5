package dev.lathe.analysis;

import dev.lathe.analysis.pattern.LinearLayer;

import java.util.List;

/**
 * A set of coupled parameters that must be removed together: {@code size} units (hidden units or heads),
 * each owning a block of {@code blockWidth} consecutive indices along an axis of every tensor in
 * {@link #slices()}. Shape constants that spell out the unit count are listed in {@link #shapePatches()}.
 * Nodes are named (as {@link dev.lathe.analysis.pattern.NodeNames#id} names them), never indexed, so a group still
 * applies after other transforms have inserted or removed nodes.
 *
 * <p>The description is purely structural so that one pruner serves every kind; an attention group also names
 * the roles of its layers ({@link #attention()}, null for other kinds).
 */
public record PrunableGroup(String id, GroupKind kind, String name, int size, int blockWidth,
                            List<TensorSlice> slices, List<ShapePatch> shapePatches, Consumer consumer,
                            List<AttributePatch> attributePatches, AttentionRoles attention, List<PortPatch> portPatches,
                            List<NormPatch> normPatches) {

    public PrunableGroup(String id, GroupKind kind, String name, int size, int blockWidth,
                         List<TensorSlice> slices, List<ShapePatch> shapePatches, Consumer consumer,
                         List<AttributePatch> attributePatches, AttentionRoles attention, List<PortPatch> portPatches) {
        this(id, kind, name, size, blockWidth, slices, shapePatches, consumer, attributePatches, attention, portPatches, List.of());
    }

    public PrunableGroup(String id, GroupKind kind, String name, int size, int blockWidth,
                         List<TensorSlice> slices, List<ShapePatch> shapePatches, Consumer consumer,
                         List<AttributePatch> attributePatches, AttentionRoles attention) {
        this(id, kind, name, size, blockWidth, slices, shapePatches, consumer, attributePatches, attention, List.of());
    }

    public PrunableGroup(String id, GroupKind kind, String name, int size, int blockWidth,
                         List<TensorSlice> slices, List<ShapePatch> shapePatches, Consumer consumer) {
        this(id, kind, name, size, blockWidth, slices, shapePatches, consumer, List.of(), null);
    }

    /**
     * Integer attribute {@code attribute} of node {@code node} equals {@code keptUnits * factor} (a depthwise
     * Conv's group), or for a list attribute its element {@code position} does (a Split's sizes).
     */
    public record AttributePatch(String node, String attribute, int position, int factor) {
        public AttributePatch(String node, String attribute, int factor) {
            this(node, attribute, -1, factor);
        }
    }

    /**
     * The layer that reads the group's units: {@code input} is the tensor it reads, {@code weight} its
     * [units, out] matrix ([out, units] when {@code transposed}), or for a {@code convolution} its
     * [out, channels, kernel...] filters (always {@code transposed}: read as [out, channels*taps]) with channels
     * on axis 1 of the input; {@code bias} is its bias vector or null. Calibration statistics are gathered at
     * {@code input} (over kernel windows for a convolution); repair rewrites weight and bias.
     */
    public record Consumer(String input, String weight, boolean transposed, String bias, boolean convolution) {
        public Consumer(String input, String weight, boolean transposed, String bias) {
            this(input, weight, transposed, bias, false);
        }

        /** A linear layer reading the units, with its bias (a Gemm's C, or a MatMul's bias Add). */
        public static Consumer of(LinearLayer layer) {
            return new Consumer(layer.input(), layer.weight(), layer.transposed(), layer.bias());
        }
    }

    /**
     * Indices {@code offset} to {@code offset + size*blockWidth} of axis {@code axis} of initializer
     * {@code initializer} belong to this group's units (offset 0 and the whole axis, unless the units reach the
     * tensor's layer through a Concat, beside other channels). {@code blockWidth} is 0 where a unit owns the
     * group's block width here, and otherwise its own: in grouped-query attention a unit (one key/value head and
     * the query heads that share it) owns one head of the key and value projections, several of the query one.
     */
    public record TensorSlice(String initializer, int axis, int offset, int blockWidth) {
        public TensorSlice(String initializer, int axis, int offset) {
            this(initializer, axis, offset, 0);
        }

        public TensorSlice(String initializer, int axis) {
            this(initializer, axis, 0);
        }

        /** The indices one unit owns along the axis here. */
        public int width(PrunableGroup group) {
            return blockWidth > 0 ? blockWidth : group.blockWidth();
        }
    }

    /**
     * Dimension {@code dim} of the model input or output {@code port} equals {@code keptUnits * factor}: a
     * decoder's key/value cache, whose head axis shrinks with the heads.
     */
    public record PortPatch(String port, int dim, int factor) {}

    /**
     * A normalization over the group's units, whose statistics must stay those of the whole width when {@code n}
     * units become {@code k} (exactly so when the removed units were zero).
     * An RMS norm ({@code meanNode} null): the mean of squares runs over fewer units, so the epsilon (input
     * {@code epsilonInput} of node {@code epsilonNode}) is multiplied by n/k and the scale vector {@code scale} by sqrt(n/k).
     * A LayerNorm written out (ReduceMean, Sub, Pow, ReduceMean, ...): the mean {@code meanNode} computes is
     * multiplied by k/n, and the variance {@code varianceNode} computes becomes {@code v * k/n + mean^2 * (n-k)/n},
     * the removed units' share of the sum of squares.
     * A {@code LayerNormalization} operator ({@code fusedNode}, opset 17) computes its statistics inside: when units go
     * it is written out over the kept units and compensated as the written-out LayerNorm is.
     */
    public record NormPatch(String epsilonNode, int epsilonInput, String scale, String meanNode, String varianceNode, String fusedNode) {
        public NormPatch(String epsilonNode, int epsilonInput, String scale, String meanNode, String varianceNode) {
            this(epsilonNode, epsilonInput, scale, meanNode, varianceNode, null);
        }

        public NormPatch(String epsilonNode, int epsilonInput, String scale) {
            this(epsilonNode, epsilonInput, scale, null, null);
        }

        public static NormPatch layerNorm(String meanNode, String varianceNode) {
            return new NormPatch(null, -1, null, meanNode, varianceNode);
        }

        public static NormPatch layerNormalization(String node) {
            return new NormPatch(null, -1, null, null, null, node);
        }
    }


    /**
     * Element {@code position} of the constant feeding input {@code inputIndex} of node {@code node}
     * equals {@code keptUnits * factor} (the head count has factor 1, a merged width has the head size).
     */
    public record ShapePatch(String node, int inputIndex, int position, int factor) {}
}
