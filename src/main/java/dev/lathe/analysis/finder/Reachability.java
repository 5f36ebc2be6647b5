package dev.lathe.analysis.finder;

import dev.lathe.model.MutableGraph;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The tensors computed downstream of a tensor, which block finders compare to tell branches and cut points apart. */
final class Reachability {
    private Reachability() {}

    /** Every tensor computed from {@code start} (itself included), not passing through {@code blocked} (may be null). */
    static Set<String> downstream(MutableGraph graph, String start, String blocked) {
        Set<String> seen = new HashSet<>(List.of(start));
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            for (int c : graph.consumers(queue.poll()))
                for (String o : graph.node(c).getOutputList())
                    if (!o.isEmpty() && !o.equals(blocked) && seen.add(o)) queue.add(o);
        }
        return seen;
    }
}
