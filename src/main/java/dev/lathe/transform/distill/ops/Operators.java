package dev.lathe.transform.distill.ops;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.SortedSet;

/** Every ONNX operator (default domain) the differentiable executor runs, by op type. */
public final class Operators {
    private static final Map<String, NodeOp> ALL;

    static {
        Map<String, NodeOp> ops = new TreeMap<>();
        ElementwiseOps.register(ops);
        ShapeOps.register(ops);
        LinearOps.register(ops);
        NormalizationOps.register(ops);
        PoolingOps.register(ops);
        ALL = Map.copyOf(ops);
    }

    private Operators() {}

    public static Optional<NodeOp> find(String domain, String opType) {
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) return Optional.empty();
        return Optional.ofNullable(ALL.get(opType));
    }

    public static SortedSet<String> supported() { return new TreeSet<>(ALL.keySet()); }
}
