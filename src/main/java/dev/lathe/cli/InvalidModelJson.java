package dev.lathe.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.cli.options.Json;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.Problem;
import dev.lathe.model.gate.Verdict;

import java.util.TreeMap;

/** {@code inspect --json} of a file the gate refused: {@code "valid": false}, every problem, and what of the file could be parsed. */
final class InvalidModelJson {
    private InvalidModelJson() {}

    static ObjectNode of(Verdict v) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("file", v.file().toString());
        r.put("valid", false);
        r.put("message", v.oneLine());
        ArrayNode problems = r.putArray("problems");
        for (Problem p : v.problems()) problems.addObject().put("kind", p.kind().id()).put("message", p.text());
        ModelProto m = v.readable();
        if (m == null) return r;
        ObjectNode read = r.putObject("readable");
        read.put("ir_version", m.getIrVersion());
        read.put("opset", OnnxModel.defaultOpset(m));
        read.put("producer", m.getProducerName());
        read.put("nodes", m.getGraph().getNodeCount());
        read.put("initializers", m.getGraph().getInitializerCount());
        read.set("inputs", names(m.getGraph().getInputList()));
        read.set("outputs", names(m.getGraph().getOutputList()));
        TreeMap<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) ops.merge(n.getOpType(), 1, Integer::sum);
        read.set("operators", Json.MAPPER.valueToTree(ops));
        return r;
    }

    private static ArrayNode names(java.util.List<ValueInfoProto> values) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        values.forEach(v -> a.add(v.getName()));
        return a;
    }
}
