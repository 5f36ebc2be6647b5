package dev.lathe.analysis.pattern;

import dev.lathe.model.MutableGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The merge after an attention block: context, Transpose, Reshape to (.., heads*headDim) [, Reshape to rows, as
 * Conv1D-style exports flatten them before a Gemm], then the output projection. {@code reshapes} spell the merged
 * width; node indices hold while the graph traced is not edited.
 */
public record HeadMerge(List<Integer> reshapes, int outputNode) {

    /** Follows the attention context to the node of the output projection. */
    public static Match<HeadMerge> tracing(MutableGraph graph, String context) {
        Optional<Integer> merge = ShapeConstants.soleReader(graph, context, "Transpose")
                .flatMap(t -> ShapeConstants.soleReader(graph, graph.node(t).getOutput(0), "Reshape"));
        if (merge.isEmpty()) return Match.failed("head merge (Transpose, Reshape) not recognised");
        List<Integer> merges = new ArrayList<>(List.of(merge.get()));
        String merged = graph.node(merge.get()).getOutput(0);
        Optional<Integer> out = ShapeConstants.soleReader(graph, merged, "MatMul").or(() -> ShapeConstants.soleReader(graph, merged, "Gemm"));
        if (out.isEmpty()) {
            Optional<Integer> flatten = ShapeConstants.soleReader(graph, merged, "Reshape");
            if (flatten.isPresent()) {
                merges.add(flatten.get());
                String rows = graph.node(flatten.get()).getOutput(0);
                out = ShapeConstants.soleReader(graph, rows, "Gemm").or(() -> ShapeConstants.soleReader(graph, rows, "MatMul"));
            }
        }
        if (out.isEmpty()) return Match.failed("merged heads do not feed a single output projection");
        return Match.of(new HeadMerge(List.copyOf(merges), out.get()));
    }
}
