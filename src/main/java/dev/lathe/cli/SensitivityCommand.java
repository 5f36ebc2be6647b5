package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.Json;
import dev.lathe.cli.options.QuantizationCliOptions;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.DataOptions;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.search.SensitivityAnalysis;
import dev.lathe.transform.genome.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

@Command(name = "sensitivity", description = "Set one layer at a time to a reduced precision and print the quality each costs.")
final class SensitivityCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "ONNX file, or sample:NAME")
    String model;

    @Option(names = "--precision", paramLabel = "P",
            description = "int8, int8_static, int4 (= int4_b32), int4_b64, int4_b128 or fp16, for every layer that can take it (default: int8 for MatMul/Gemm, int8_static for Conv)")
    String precision;

    @Option(names = "--samples", defaultValue = "100", description = "evaluation samples each layer is scored on (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--threads", defaultValue = "1", description = "intra-op threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @picocli.CommandLine.Mixin
    DataOptions data;

    @picocli.CommandLine.Mixin
    QuantizationCliOptions quantization;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (samples < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--samples must be at least 1");
        Precision fixed = precision == null ? null : Precision.parse(precision);
        LoadedModel loaded = LoadedModel.load(model);
        OnnxModel original = loaded.model();
        EvaluationData.Split split = loaded.split(data, shape);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (split.evaluation().synthetic()) err.println("WARNING: no data given, scoring on random inputs");
        SensitivityAnalysis.Report report = SensitivityAnalysis.forModel(original, split, fixed, quantization.options(), samples, threads,
                json ? null : (done, total, r) -> err.printf("\r%d/%d layers", done, total));
        if (!json) err.print("\r");
        if (json) out.println(Json.MAPPER.writeValueAsString(report));
        else print(out, loaded.file().getFileName().toString(), report);
        return 0;
    }

    static void print(PrintWriter out, String file, SensitivityAnalysis.Report r) {
        out.printf("%s: %s on %d samples, original %.4f; drop = original - quality with that layer alone reduced%n", file, r.metric(), r.samples(), r.baseline());
        int width = Math.max(5, r.layers().stream().mapToInt(l -> l.layer().length()).max().orElse(5));
        double worst = r.worstFirst().stream().mapToDouble(SensitivityAnalysis.LayerResult::drop).max().orElse(0);
        out.printf("%-" + width + "s  %-6s  %-11s  %8s  %8s%n", "layer", "op", "precision", "quality", "drop");
        for (SensitivityAnalysis.LayerResult l : r.layers()) {
            if (!l.measured()) {
                out.printf("%-" + width + "s  %-6s  %-11s  not measured: %s%n", l.layer(), l.opType(), l.precision(), l.error());
                continue;
            }
            String bar = worst > 0 && l.drop() > 0 ? "#".repeat((int) Math.round(30 * l.drop() / worst)) : "";
            out.printf("%-" + width + "s  %-6s  %-11s  %8.4f  %8.4f  %s%n", l.layer(), l.opType(), l.precision(), l.quality(), l.drop(), bar);
        }
        var top = r.worstFirst().stream().filter(l -> l.drop() > 0).limit(5).map(l -> String.format("%s (%.4f)", l.layer(), l.drop())).toList();
        out.println(top.isEmpty() ? "no layer alone lowers the quality on these samples" : "most sensitive: " + String.join(", ", top));
    }
}
