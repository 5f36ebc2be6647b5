package dev.lathe.model.gate;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OrtException;
import dev.lathe.model.InputShapes;
import dev.lathe.model.SyntheticInputs;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.gate.Problem.Kind;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last check: ONNX Runtime builds a session (kernels found, shapes and types inferred). Its error text is for its
 * own developers (error codes, C++ source lines and signatures), so known messages are translated into what is wrong
 * and where, and the rest is cleaned of codes and source locations.
 */
final class RuntimeCheck {
    private static final OrtRunner.RunnerSettings SETTINGS = new OrtRunner.RunnerSettings(1, "cpu", "basic");

    private RuntimeCheck() {}

    /** Null when ONNX Runtime loads the model, else the problem in plain words. */
    static Problem load(OnnxModel model) {
        // Weights in external data (necessarily so above a protobuf's 2 GiB) are read by ONNX Runtime beside the file
        // itself: serializing them again would hold a second copy of every weight in the heap.
        boolean fromFile = model.source() != null && (model.weightsOnDisk() || model.totalInitializerBytes() > Integer.MAX_VALUE - (1 << 20)
                || model.fileSize() >= 0 && model.totalInitializerBytes() > model.fileSize());
        try (OrtRunner runner = OrtRunner.silent(fromFile ? null : model.toBytes(), model.source(), SETTINGS)) {
            if (!fullyShapedFloatInputs(model)) return null;
            try {
                runner.run(SyntheticInputs.generate(model, InputShapes.of(1, 1), 1));
            } catch (OrtException e) {
                Problem p = translate(e.getMessage());
                return new Problem(p.kind() == Kind.RUNTIME ? Kind.SHAPES : p.kind(), "one sample fails: " + p.text());
            }
            return null;
        } catch (OrtException e) {
            return translate(e.getMessage());
        } catch (RuntimeException e) { // ONNX Runtime's Java layer throws unchecked exceptions for some inputs
            return new Problem(Kind.RUNTIME, "ONNX Runtime cannot load it: " + clean(String.valueOf(e.getMessage())));
        }
    }

    /**
     * ONNX Runtime's load-time shape inference skips some checks (Gemm never compares the shared dimension), so a
     * model whose weights do not fit its input loads and fails on its first run. One run on one random sample finds
     * it, where that sample says nothing about the model: float inputs only (random ids can leave a vocabulary) whose
     * every dimension but the batch is fixed (a small guessed size can be too small for a network).
     */
    private static boolean fullyShapedFloatInputs(OnnxModel model) {
        List<ValueInfoProto> inputs = InputShapes.realInputs(model.proto().getGraph());
        if (inputs.isEmpty()) return false;
        for (ValueInfoProto v : inputs) {
            var t = v.getType().getTensorType();
            if (t.getElemType() != TensorProto.DataType.FLOAT_VALUE || !t.hasShape()) return false;
            var dims = t.getShape().getDimList();
            for (int i = 1; i < dims.size(); i++) if (!dims.get(i).hasDimValue()) return false;
        }
        return true;
    }

    private record Rule(Pattern pattern, Kind kind, java.util.function.Function<Matcher, String> text) {}

    private static final Pattern NODE = Pattern.compile("In Node, \\(\"([^\"]*)\", ([^,]+), \"([^\"]*)\"");
    private static final java.util.List<Rule> RULES = java.util.List.of(
            new Rule(Pattern.compile("No Op registered for (\\S+) with domain_version of (\\d+)"), Kind.OPERATOR,
                    m -> "operator " + m.group(1) + " does not exist at opset " + m.group(2)),
            new Rule(Pattern.compile("No opset import for domain '([^']*)'"), Kind.DOMAIN, m -> "the model does not import domain '" + m.group(1) + "'"),
            new Rule(Pattern.compile("Could not find an implementation for (\\S+)\\((\\d+)\\) node with name '([^']*)'"), Kind.OPERATOR,
                    m -> "ONNX Runtime's CPU provider has no kernel for " + m.group(1) + " version " + m.group(2) + " (node '" + m.group(3) + "')"),
            new Rule(Pattern.compile("Node input '([^']*)' is not a graph input, initializer, or output of a previous node"), Kind.DANGLING_INPUT,
                    m -> "a node reads '" + m.group(1) + "', which no initializer, graph input or earlier node defines"),
            new Rule(Pattern.compile("graph is not acyclic"), Kind.CYCLE, m -> "the graph is not acyclic"),
            new Rule(Pattern.compile("Unsupported model IR version: (\\d+), max supported IR version: (\\d+)"), Kind.IR_VERSION,
                    m -> "IR version " + m.group(1) + " is newer than ONNX Runtime reads (up to " + m.group(2) + ")"),
            new Rule(Pattern.compile("Opset (\\d+) is under development.*support for domain (\\S+) is till opset (\\d+)", Pattern.DOTALL), Kind.OPSET,
                    m -> "opset " + m.group(1) + " of domain " + m.group(2) + " is newer than ONNX Runtime supports (up to " + m.group(3) + ")"),
            new Rule(Pattern.compile("Missing opset in the model"), Kind.OPSET, m -> "the file imports no opset"),
            new Rule(Pattern.compile("(buffer size mismatch|UnpackTensor|size mismatch)"), Kind.INITIALIZER_SIZE,
                    m -> "an initializer's data does not match its dims"),
            new Rule(Pattern.compile("protobuf parsing failed"), Kind.CORRUPT, m -> "ONNX Runtime cannot parse it"),
            new Rule(Pattern.compile("Non-zero status code returned while running (\\S+) node\\. Name:'([^']*)' Status Message: ([^\\n]*)"), Kind.SHAPES,
                    m -> "node '" + m.group(2) + "' (" + m.group(1) + ") fails: " + clean(m.group(3))),
            new Rule(Pattern.compile("Node \\(([^)]*)\\) Op \\(([^)]*)\\) \\[ShapeInferenceError\\] ([^\\n]*)"), Kind.SHAPES,
                    m -> "shapes do not fit at node '" + m.group(1) + "' (" + m.group(2) + "): " + m.group(3).strip()),
            new Rule(Pattern.compile("Type Error: ([^\\n]*)"), Kind.SHAPES, m -> "types do not fit: " + m.group(1).strip()),
            new Rule(Pattern.compile("In Node, \\(\"([^\"]*)\", ([^,]+), .*?, Error ([^\\n]*)"), Kind.RUNTIME,
                    m -> "node '" + m.group(1) + "' (" + m.group(2) + "): " + m.group(3).strip()));

    static Problem translate(String message) {
        String raw = message == null ? "" : message;
        for (Rule r : RULES) {
            Matcher m = r.pattern.matcher(raw);
            if (m.find()) {
                String text = r.text.apply(m);
                Matcher node = NODE.matcher(raw);
                if (node.find() && !text.contains("node '"))
                    text += " (node '" + node.group(1) + "', " + node.group(2) + (node.group(3).isEmpty() ? "" : " in " + node.group(3)) + ")";
                return new Problem(r.kind, text);
            }
        }
        return new Problem(Kind.RUNTIME, "ONNX Runtime cannot load it: " + clean(raw));
    }

    /** Drops "Error code - ORT_FAIL - message:", source locations and C++ signatures; one line, at most 300 characters. */
    static String clean(String raw) {
        String s = raw.replaceAll("Error code - \\w+ - message:\\s*", "")
                .replaceAll("\\[ONNXRuntimeError\\]\\s*:\\s*\\d+\\s*:\\s*\\w+\\s*:\\s*", "")
                .replaceAll("\\S*\\.(cc|h|cpp):\\d+\\s+(\\S.*?\\)\\s+(const\\s+)?)?(?=[A-Z])", "")
                .replaceAll("\\s+", " ").strip();
        if (s.isEmpty()) s = "no reason given";
        return s.length() > 300 ? s.substring(0, 297) + "..." : s;
    }
}
