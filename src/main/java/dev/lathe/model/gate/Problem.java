package dev.lathe.model.gate;

/** One thing wrong with a model file: its kind, and a sentence in plain words saying what and where (node, tensor). */
public record Problem(Kind kind, String text) {
    /** What went wrong, as a short id for JSON and a plain phrase for people. */
    public enum Kind {
        FILE("file", "cannot be read"),
        EMPTY("empty", "not a valid ONNX model (empty file)"),
        TRUNCATED("truncated", "not a valid ONNX model (truncated)"),
        CORRUPT("corrupt", "not a valid ONNX model (corrupt protobuf)"),
        NO_GRAPH("no_graph", "not a valid ONNX model (no graph)"),
        IR_VERSION("ir_version", "has an unsupported IR version"),
        OPSET("opset", "has an unsupported opset"),
        DOMAIN("domain", "uses an unknown operator domain"),
        OPERATOR("operator", "uses an unknown operator"),
        CYCLE("cycle", "has a cycle"),
        DANGLING_INPUT("dangling_input", "reads an undefined tensor"),
        DUPLICATE_OUTPUT("duplicate_output", "defines a tensor twice"),
        MISSING_OUTPUT("missing_output", "has an output nothing computes"),
        INITIALIZER_SIZE("initializer_size", "has an initializer whose data does not match its dims"),
        DIMS("dims", "has dimensions that do not fit in memory"),
        EXTERNAL_DATA("external_data", "has unusable external data"),
        SHAPES("shapes", "has shapes that do not fit"),
        RUNTIME("runtime", "is refused by ONNX Runtime");

        private final String id;
        private final String phrase;

        Kind(String id, String phrase) {
            this.id = id;
            this.phrase = phrase;
        }

        public String id() { return id; }

        /** What the one line says after the file's name: "has a cycle", "not a valid ONNX model (truncated)". */
        public String phrase() { return phrase; }
    }
}
