package dev.lathe.eval.profile;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which original nodes each kernel of ONNX Runtime's optimized graph computes. Tensors are the link: a fusion
 * keeps the names of the tensors it reads and writes and invents names only inside (the NCHWc layout pass
 * names its tensors {@code reorder_token_N} and the node writing one after the original tensor it stands for,
 * plus {@code _nchwc}). Optimized nodes joined by invented tensors form one
 * <em>cluster</em>; the original nodes of a cluster are those met walking back in the original graph from the
 * tensors it writes to the tensors it reads or finds already computed. A cluster that computes no original
 * node of its own (a layout reorder) is charged to the node whose tensor it converts. Original nodes in no
 * cluster were folded away when the session was built (constant folding, Identity or Dropout removal).
 * Both graphs must name their nodes uniquely ({@link #uniquelyNamed}).
 */
public final class FusionMap {
    /** A group of optimized nodes (by name) and the original nodes (by name) they compute, in original order. */
    public record Cluster(List<String> kernels, List<String> originals) {}

    private final List<Cluster> clusters;
    private final Map<String, Cluster> byKernel = new HashMap<>();
    private final List<String> folded;

    private FusionMap(List<Cluster> clusters, List<String> folded) {
        this.clusters = clusters;
        this.folded = folded;
        for (Cluster c : clusters) for (String k : c.kernels()) byKernel.put(k, c);
    }

    public List<Cluster> clusters() { return clusters; }

    public Cluster ofKernel(String node) { return byKernel.get(node); }

    /** Original nodes no kernel computes. */
    public List<String> folded() { return folded; }

    /** A copy of the graph whose every node has a distinct non-empty name: its own, its first output's, or one made unique with a suffix. */
    public static GraphProto uniquelyNamed(GraphProto g) {
        GraphProto.Builder b = g.toBuilder();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto n = b.getNode(i);
            String base = n.getName().isEmpty() ? (n.getOutputCount() > 0 ? n.getOutput(0) : n.getOpType()) : n.getName();
            String name = base;
            for (int k = 1; !used.add(name); k++) name = base + "#" + k;
            if (!name.equals(n.getName())) b.setNode(i, n.toBuilder().setName(name));
        }
        return b.build();
    }

    public static FusionMap of(GraphProto original, GraphProto optimized) {
        Map<String, Integer> producer = new HashMap<>();
        Set<String> originalTensors = new HashSet<>();
        List<NodeProto> orig = original.getNodeList();
        for (int i = 0; i < orig.size(); i++)
            for (String o : orig.get(i).getOutputList()) {
                producer.put(o, i);
                originalTensors.add(o);
            }
        original.getInputList().forEach(v -> originalTensors.add(v.getName()));
        original.getInitializerList().forEach(t -> originalTensors.add(t.getName()));
        Map<String, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < orig.size(); i++) for (String in : orig.get(i).getInputList()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);

        List<NodeProto> opt = optimized.getNodeList();
        Map<String, Integer> optProducer = new HashMap<>();
        for (int i = 0; i < opt.size(); i++) for (String o : opt.get(i).getOutputList()) if (!o.isEmpty()) optProducer.put(o, i);
        Map<String, String> anchorCache = new HashMap<>();
        java.util.function.Function<String, String> anchor = t -> anchorCache.computeIfAbsent(t, x -> {
            String a = anchorOf(x, originalTensors);
            // The NCHWc pass names its tensors "reorder_token_N" but the node after the tensor it stands for.
            Integer p = optProducer.get(x);
            if (a == null && p != null && opt.get(p).getOutputCount() == 1) a = anchorOf(opt.get(p).getName(), originalTensors);
            return a;
        });
        // Optimized nodes joined by tensors that stand for no original tensor belong together.
        int[] parent = new int[opt.size()];
        for (int i = 0; i < parent.length; i++) parent[i] = i;
        for (int i = 0; i < opt.size(); i++)
            for (String in : opt.get(i).getInputList()) {
                Integer p = optProducer.get(in);
                if (p != null && anchor.apply(in) == null) union(parent, p, i);
            }
        Map<Integer, List<Integer>> members = new LinkedHashMap<>();
        for (int i = 0; i < opt.size(); i++) members.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(i);

        // Tensors the optimized graph holds before any kernel runs.
        Set<String> given = new HashSet<>();
        optimized.getInitializerList().forEach(t -> given.add(anchorOrSelf(t.getName(), anchor)));
        optimized.getInputList().forEach(v -> given.add(anchorOrSelf(v.getName(), anchor)));
        original.getInputList().forEach(v -> given.add(v.getName()));
        Map<String, Set<Integer>> computedBy = new HashMap<>(); // original tensor -> clusters that write it
        for (Map.Entry<Integer, List<Integer>> m : members.entrySet())
            for (int i : m.getValue()) for (String o : opt.get(i).getOutputList()) {
                String a = anchor.apply(o);
                if (a != null) computedBy.computeIfAbsent(a, k -> new HashSet<>()).add(m.getKey());
            }

        List<Cluster> clusters = new ArrayList<>();
        Set<Integer> covered = new HashSet<>();
        for (Map.Entry<Integer, List<Integer>> m : members.entrySet()) {
            int root = m.getKey();
            Set<String> produced = new LinkedHashSet<>(), read = new HashSet<>();
            for (int i : m.getValue()) {
                for (String o : opt.get(i).getOutputList()) { String a = anchor.apply(o); if (a != null) produced.add(a); }
                for (String in : opt.get(i).getInputList()) { String a = anchor.apply(in); if (a != null) read.add(a); }
            }
            Set<Integer> region = new java.util.TreeSet<>();
            Deque<String> todo = new ArrayDeque<>();
            for (String t : produced) if (!read.contains(t)) todo.add(t);
            Set<String> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                String t = todo.pop();
                if (!seen.add(t)) continue;
                Integer p = producer.get(t);
                if (p == null) continue;
                region.add(p);
                for (String in : orig.get(p).getInputList()) {
                    if (in.isEmpty() || read.contains(in) || given.contains(in)) continue;
                    Set<Integer> writers = computedBy.get(in);
                    if (writers != null && !(writers.size() == 1 && writers.contains(root))) continue; // computed by another kernel
                    todo.add(in);
                }
            }
            if (region.isEmpty()) {
                // A reorder or cast of one tensor: charged to the node that produced the tensor, else to its readers.
                for (String t : produced) { Integer p = producer.get(t); if (p != null) region.add(p); }
                if (region.isEmpty()) for (String t : produced) region.addAll(consumers.getOrDefault(t, List.of()));
            }
            covered.addAll(region);
            clusters.add(new Cluster(m.getValue().stream().map(i -> opt.get(i).getName()).toList(),
                    region.stream().map(i -> orig.get(i).getName()).toList()));
        }
        List<String> folded = new ArrayList<>();
        for (int i = 0; i < orig.size(); i++) if (!covered.contains(i)) folded.add(orig.get(i).getName());
        return new FusionMap(List.copyOf(clusters), List.copyOf(folded));
    }

    private static String anchorOrSelf(String t, java.util.function.Function<String, String> anchor) {
        String a = anchor.apply(t);
        return a == null ? t : a;
    }

    /** The original tensor an optimized tensor stands for: itself, or the longest original name it extends by "_suffix". */
    static String anchorOf(String t, Set<String> originalTensors) {
        if (originalTensors.contains(t)) return t;
        for (int cut = t.lastIndexOf('_'); cut > 0; cut = t.lastIndexOf('_', cut - 1)) {
            String prefix = t.substring(0, cut);
            if (originalTensors.contains(prefix)) return prefix;
        }
        return null;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra != rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
}
