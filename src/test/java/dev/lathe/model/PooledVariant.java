package dev.lathe.model;

import java.nio.file.Path;

/**
 * Writes a copy of an encoder keeping only the outputs named, so that its hidden width is no model output (MiniLM's
 * pooler output alone): {@code java -cp ... dev.lathe.model.PooledVariant IN OUT OUTPUT...}.
 */
public final class PooledVariant {
    private PooledVariant() {}

    public static void main(String[] args) throws Exception {
        OnnxModel m = OnnxModel.load(Path.of(args[0]));
        var keep = java.util.Set.of(java.util.Arrays.copyOfRange(args, 2, args.length));
        var b = m.proto().toBuilder();
        var outs = b.getGraph().getOutputList().stream().filter(o -> keep.contains(o.getName())).toList();
        b.getGraphBuilder().clearOutput().addAllOutput(outs);
        OnnxModel.of(MutableGraph.of(OnnxModel.of(b.build())).toModel()).save(Path.of(args[1]));
    }
}
