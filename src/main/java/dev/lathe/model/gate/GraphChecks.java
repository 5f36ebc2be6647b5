package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.Problem.Kind;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph's own rules, checked on the parsed protobuf before ONNX Runtime sees it: versions it can run, imported
 * domains, every tensor defined exactly once, every read defined, no cycle. ONNX Runtime would refuse most of these
 * too, but in words that name no file and sometimes no node; these name both.
 */
final class GraphChecks {
    /** Newest ai.onnx opset the bundled ONNX Runtime (1.23) officially supports; {@code ModelGateTest} pins it against ONNX Runtime. */
    static final int MAX_OPSET = 23;
    /** Newest IR version the bundled ONNX Runtime reads (pinned the same way). */
    static final long MAX_IR_VERSION = 11;
    /** Operator domains ONNX Runtime's CPU build registers kernels or schemas for. */
    static final Set<String> KNOWN_DOMAINS = Set.of("", "ai.onnx", "ai.onnx.ml", "com.microsoft", "com.microsoft.nchwc",
            "com.microsoft.experimental", "ai.onnx.training", "ai.onnx.preview.training", "com.ms.internal.nhwc", "org.pytorch.aten");

    private GraphChecks() {}

    static void check(ModelProto model, List<Problem> problems) {
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            problems.add(new Problem(Kind.NO_GRAPH, model.hasGraph() ? "the graph has no nodes" : "the file holds no graph"));
            return;
        }
        versions(model, problems);
        domains(model, problems);
        graph(model.getGraph(), Set.of(), problems);
    }

    private static void versions(ModelProto model, List<Problem> problems) {
        if (model.getIrVersion() > MAX_IR_VERSION)
            problems.add(new Problem(Kind.IR_VERSION, "IR version " + model.getIrVersion() + " is newer than ONNX Runtime reads (up to " + MAX_IR_VERSION + ")"));
        else if (model.getIrVersion() < 3)
            problems.add(new Problem(Kind.IR_VERSION, model.getIrVersion() == 0 ? "the file states no IR version" : "IR version " + model.getIrVersion() + " is older than ONNX Runtime reads (3 and later)"));
        boolean hasDefault = false;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (!o.getDomain().isEmpty() && !o.getDomain().equals("ai.onnx")) continue;
            hasDefault = true;
            if (o.getVersion() > MAX_OPSET)
                problems.add(new Problem(Kind.OPSET, "opset " + o.getVersion() + " is newer than ONNX Runtime supports (up to " + MAX_OPSET + ")"));
            else if (o.getVersion() < OnnxModel.MIN_OPSET)
                problems.add(new Problem(Kind.OPSET, "opset " + o.getVersion() + " is older than Lathe supports (" + OnnxModel.MIN_OPSET + " and later)"));
        }
        if (!hasDefault) problems.add(new Problem(Kind.OPSET, "the file imports no ai.onnx opset"));
    }

    private static void domains(ModelProto model, List<Problem> problems) {
        Set<String> imported = new HashSet<>(), local = new HashSet<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) imported.add(normal(o.getDomain()));
        for (FunctionProto f : model.getFunctionsList()) local.add(normal(f.getDomain()));
        Set<String> reported = new HashSet<>();
        forEachNode(model.getGraph(), n -> {
            String d = normal(n.getDomain());
            if (reported.contains(d)) return;
            if (!KNOWN_DOMAINS.contains(d) && !local.contains(d)) {
                reported.add(d);
                problems.add(new Problem(Kind.DOMAIN, "node " + name(n) + " is in domain '" + d + "', which ONNX Runtime does not know"));
            } else if (!imported.contains(d)) {
                reported.add(d);
                problems.add(new Problem(Kind.DOMAIN, "node " + name(n) + " is in domain '" + d + "', which the model does not import (no opset for it)"));
            }
        });
    }

    /** Definitions and reads of one graph; {@code outer} are the names a subgraph may read from the graphs around it. */
    private static void graph(GraphProto g, Set<String> outer, List<Problem> problems) {
        Map<String, Integer> producer = new HashMap<>();
        Set<String> defined = new HashSet<>(outer);
        for (ValueInfoProto v : g.getInputList()) defined.add(v.getName());
        for (TensorProto t : g.getInitializerList()) defined.add(t.getName());
        for (var s : g.getSparseInitializerList()) defined.add(s.getValues().getName());
        for (int i = 0; i < g.getNodeCount(); i++)
            for (String out : g.getNode(i).getOutputList()) {
                if (out.isEmpty()) continue;
                Integer before = producer.putIfAbsent(out, i);
                if (before != null)
                    problems.add(new Problem(Kind.DUPLICATE_OUTPUT, "tensor '" + out + "' is written by node " + name(g.getNode(before)) + " and again by node " + name(g.getNode(i))));
                else if (defined.contains(out) && !outer.contains(out))
                    problems.add(new Problem(Kind.DUPLICATE_OUTPUT, "node " + name(g.getNode(i)) + " writes '" + out + "', which is already a graph input or initializer"));
            }
        defined.addAll(producer.keySet());
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList())
                if (!in.isEmpty() && !defined.contains(in))
                    problems.add(new Problem(Kind.DANGLING_INPUT, "node " + name(n) + " reads '" + in + "', which no initializer, graph input or node defines"));
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) graph(a.getG(), defined, problems);
                for (GraphProto sub : a.getGraphsList()) graph(sub, defined, problems);
            }
        }
        for (ValueInfoProto v : g.getOutputList())
            if (!defined.contains(v.getName()))
                problems.add(new Problem(Kind.MISSING_OUTPUT, "graph output '" + v.getName() + "' is computed by no node"));
        List<String> cycle = cycle(g, producer);
        if (!cycle.isEmpty()) problems.add(new Problem(Kind.CYCLE, "the graph is not acyclic: " + String.join(" -> ", cycle)));
    }

    /** Kahn's sort over producer-consumer edges; what it cannot order contains a cycle, which is walked back and named. */
    private static List<String> cycle(GraphProto g, Map<String, Integer> producer) {
        int n = g.getNodeCount();
        List<List<Integer>> readers = new ArrayList<>();
        int[] pending = new int[n];
        for (int i = 0; i < n; i++) readers.add(new ArrayList<>());
        for (int i = 0; i < n; i++)
            for (String in : new LinkedHashSet<>(g.getNode(i).getInputList())) {
                Integer p = producer.get(in);
                if (p != null) { readers.get(p).add(i); pending[i]++; }
            }
        ArrayDeque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < n; i++) if (pending[i] == 0) ready.add(i);
        int sorted = 0;
        while (!ready.isEmpty()) {
            int i = ready.poll();
            sorted++;
            for (int r : readers.get(i)) if (--pending[r] == 0) ready.add(r);
        }
        if (sorted == n) return List.of();
        // Every node left has an input whose producer is also left: walk producers until one repeats.
        int start = 0;
        while (pending[start] == 0) start++;
        List<Integer> path = new ArrayList<>();
        Map<Integer, Integer> seenAt = new HashMap<>();
        int at = start;
        while (!seenAt.containsKey(at)) {
            seenAt.put(at, path.size());
            path.add(at);
            int next = -1;
            for (String in : g.getNode(at).getInputList()) {
                Integer p = producer.get(in);
                if (p != null && pending[p] > 0) { next = p; break; }
            }
            at = next;
        }
        // The walk went against the data flow; name the loop along it, from the node that comes first in the file.
        List<Integer> loop = new ArrayList<>(path.subList(seenAt.get(at), path.size()).reversed());
        Collections.rotate(loop, -loop.indexOf(Collections.min(loop)));
        List<String> names = new ArrayList<>();
        for (int k : loop) names.add(name(g.getNode(k)));
        names.add(names.getFirst());
        // A long loop keeps its ends, where the edge that closes it is, on one readable line.
        if (names.size() > 5)
            names = List.of(names.get(0), names.get(1), "... (" + (loop.size() - 3) + " more nodes)", names.get(names.size() - 2), names.getLast());
        return names;
    }

    private static void forEachNode(GraphProto g, java.util.function.Consumer<NodeProto> action) {
        for (NodeProto n : g.getNodeList()) {
            action.accept(n);
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) forEachNode(a.getG(), action);
                for (GraphProto sub : a.getGraphsList()) forEachNode(sub, action);
            }
        }
    }

    private static String normal(String domain) {
        return domain.equals("ai.onnx") ? "" : domain;
    }

    static String name(NodeProto n) {
        return (n.getName().isEmpty() ? "(unnamed, writes '" + (n.getOutputCount() > 0 ? n.getOutput(0) : "") + "')" : "'" + n.getName() + "'") + " (" + n.getOpType() + ")";
    }
}
