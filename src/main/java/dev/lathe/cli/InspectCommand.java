package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.Json;
import dev.lathe.cli.options.ModelArgument;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.ImageOptions;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.analysis.ModelInspector;
import dev.lathe.analysis.ModelSummary;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.analysis.RemovableBlock;
import dev.lathe.analysis.UnprunableStructure;
import dev.lathe.eval.data.Dataset;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.eval.data.ImagePreprocessing;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.ModelGate;
import dev.lathe.model.gate.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "inspect", description = "Show what a model is: signature, size, parameters, MACs, operators and prunable groups.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "ONNX file, or sample:NAME")
    String model;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--data", paramLabel = "PATH", description = "also load data the way search does and show how it feeds the model: "
            + "a folder of images (class sub-folders give labels), .npy/.npz, .csv or .txt")
    Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "HuggingFace tokenizer.json for text data") Path tokenizer;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Mixin
    ImageOptions image;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelArgument m = ModelArgument.parse(model);
        Verdict verdict = ModelGate.check(m.model());
        if (!verdict.valid()) {
            if (json) spec.commandLine().getOut().println(Json.MAPPER.writeValueAsString(InvalidModelJson.of(verdict)));
            spec.commandLine().getErr().println("lathe: " + verdict.oneLine());
            return 1;
        }
        LoadedModel input = new LoadedModel(m, verdict.model());
        OnnxModel loaded = input.model();
        ImagePreprocessing preprocessing = image.preprocessing(spec.commandLine());
        InputShapes shapes = input.shapes(shape);
        ModelSummary s = ModelInspector.inspect(loaded, shapes);
        EvaluationData.Split split = data == null ? null : EvaluationData.resolve(loaded, data, tokenizer != null ? tokenizer : m.defaultTokenizer(), shapes, preprocessing);
        var out = spec.commandLine().getOut();
        if (json) {
            ObjectNode r = toJson(s);
            if (split != null) r.set("data", toJson(split));
            out.println(Json.MAPPER.writeValueAsString(r));
        } else {
            printText(s, out);
            if (split != null) printData(split, out);
        }
        return 0;
    }

    /** What the data became: both parts of the fixed split, and the per-sample tensors it feeds. */
    static ObjectNode toJson(EvaluationData.Split split) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("synthetic", split.evaluation().synthetic());
        r.set("calibration", part(split.calibration()));
        r.set("evaluation", part(split.evaluation()));
        ObjectNode inputs = r.putObject("inputs");
        if (split.evaluation().size() > 0)
            split.evaluation().samples().get(0).forEach((name, t) -> {
                ObjectNode o = inputs.putObject(name);
                o.put("type", t.isFloat() ? "float32" : "int64");
                o.set("shape", Json.MAPPER.valueToTree(t.shape()));
            });
        return r;
    }

    private static ObjectNode part(Dataset d) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("description", d.description());
        o.put("samples", d.size());
        o.put("labelled", d.hasLabels());
        o.put("fingerprint", d.fingerprint());
        return o;
    }

    private static void printData(EvaluationData.Split split, java.io.PrintWriter out) {
        Dataset cal = split.calibration(), eval = split.evaluation();
        out.printf("data        %s%s%n", eval.description(), eval.synthetic() ? " (synthetic)" : "");
        out.printf("            %d calibration and %d evaluation samples, %s%n", cal.size(), eval.size(), eval.hasLabels() ? "labelled" : "unlabelled");
        if (eval.size() > 0)
            eval.samples().get(0).forEach((name, t) -> out.printf("            input %s %s%s per sample%n", name, t.isFloat() ? "float32" : "int64", java.util.Arrays.toString(t.shape())));
    }

    static ObjectNode toJson(ModelSummary s) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("file", s.file());
        r.put("valid", true);
        r.put("size_bytes", s.sizeBytes());
        r.put("sha256", s.sha256());
        r.put("opset", s.opset());
        r.put("producer", s.producer());
        r.put("parameters", s.parameters());
        r.set("inputs", Json.MAPPER.valueToTree(s.inputs()));
        r.set("outputs", Json.MAPPER.valueToTree(s.outputs()));
        if (s.macs() != null) r.put("macs", s.macs()); else r.putNull("macs");
        var layers = r.putArray("layers");
        for (ModelSummary.Layer l : s.layers()) {
            ObjectNode o = layers.addObject().put("name", l.name()).put("op", l.opType()).put("parameters", l.parameters());
            if (l.macs() != null) o.put("macs", l.macs()); else o.putNull("macs");
        }
        r.put("macs_shape", s.macsShape());
        r.set("operators", Json.MAPPER.valueToTree(s.operators()));
        ArrayNode groups = r.putArray("groups");
        for (PrunableGroup g : s.groups()) {
            ObjectNode o = groups.addObject();
            o.put("id", g.id());
            o.put("kind", g.kind().id());
            o.put("name", g.name());
            o.put("size", g.size());
            o.put("unit_width", g.blockWidth());
        }
        for (RemovableBlock b : s.blocks()) {
            ObjectNode o = groups.addObject();
            o.put("id", b.id());
            o.put("kind", GroupKind.BLOCK.id());
            o.put("name", b.name());
            o.put("size", 1);
            o.put("unit_width", 1);
        }
        ArrayNode un = r.putArray("unprunable");
        for (UnprunableStructure u : s.unprunable()) un.addObject().put("node", u.node()).put("reason", u.reason());
        ArrayNode q = r.putArray("quantizable");
        for (QuantizableLayer l : s.quantizable()) q.addObject().put("id", l.id()).put("op", l.opType()).put("k", l.k()).put("n", l.n());
        return r;
    }

    private static void printText(ModelSummary s, java.io.PrintWriter out) {
        out.printf("%s  %,d bytes  opset %d  producer %s%n", s.file(), s.sizeBytes(), s.opset(), s.producer());
        out.printf("parameters  %,d%n", s.parameters());
        out.printf("MACs        %s at %s%n", s.macs() == null ? "unknown" : String.format("%,d", s.macs()), s.macsShape());
        s.inputs().forEach(p -> out.printf("input       %s %s%s%n", p.name(), p.type(), p.dims()));
        s.outputs().forEach(p -> out.printf("output      %s %s%s%n", p.name(), p.type(), p.dims()));
        out.println("operators   " + s.operators());
        out.printf("groups      %d prunable%n", s.groups().size());
        s.groups().forEach(g -> out.printf("  %-16s %-60s %d%n", g.kind().id(), g.id(), g.size()));
        s.blocks().forEach(b -> out.printf("  %-16s %-60s %s%n", GroupKind.BLOCK.id(), b.id(), b.name()));
        if (!s.unprunable().isEmpty()) out.printf("not prunable %d (see --json for reasons)%n", s.unprunable().size());
        long convs = s.quantizable().stream().filter(QuantizableLayer::convolution).count();
        out.printf("precision   %d layers can change precision (%d MatMul/Gemm, %d Conv)%n", s.quantizable().size(), s.quantizable().size() - convs, convs);
    }
}
