package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.QuantizationCliOptions;
import dev.lathe.cli.options.ModelArgument;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.DataOptions;
import dev.lathe.model.OnnxModel;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.genome.UniformPrecision;
import dev.lathe.transform.pruning.PruningOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "apply", description = "Build one variant without a study: a precision for every layer (or the listed ones), or a whole genome, and save it.")
final class ApplyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "ONNX file, or sample:NAME")
    String model;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "where to write the model (never over an existing file unless --force)")
    Path out;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    What what;

    static final class What {
        @Option(names = "--precision", paramLabel = "P", description = "int8, int8_static, int4_b32, int4_b64, int4_b128 or fp16 for every layer that can take it")
        String precision;

        @Option(names = "--genome", paramLabel = "JSON", description = "a genome as studies store it, e.g. {\"keep\":{},\"int8\":[...],\"precision\":{...}}")
        String genome;
    }

    @Option(names = "--layers", split = ",", paramLabel = "ID", description = "with --precision: only these layers (ids as inspect --json lists them)")
    List<String> layers;

    @Option(names = "--force", description = "overwrite FILE") boolean force;

    @Option(names = "--fp16-model", description = "then convert the whole graph to float16 for GPU execution, inputs and outputs float32 (alone, or after --precision/--genome)")
    boolean fp16Model;

    @Option(names = "--keep-fp32", split = ",", paramLabel = "OP", description = "with --fp16-model: operator types kept in float32 "
            + "(default: LayerNormalization (and its unfused pattern), BatchNormalization, InstanceNormalization, SimplifiedLayerNormalization, SkipLayerNormalization, Softmax; 'none' for none)")
    List<String> keepFp32;

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
        if (Files.exists(out) && !force) throw new IllegalArgumentException(out + " exists; pass --force to overwrite it");
        if (what == null && !fp16Model) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give --precision, --genome or --fp16-model");
        if (keepFp32 != null && !fp16Model) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--keep-fp32 goes with --fp16-model");
        LoadedModel loaded = LoadedModel.load(model);
        ModelArgument m = loaded.argument();
        OnnxModel original = loaded.model();
        if (what == null) return writeFp16(original.proto(), m);
        Genome genome = what.genome != null ? GenomeJson.read(what.genome) : null;
        Precision p = what.precision != null ? Precision.parse(what.precision) : null;
        boolean needsData = p == Precision.INT8_STATIC || genome != null && (!genome.layersAt(Precision.INT8_STATIC).isEmpty() || !genome.keepRatios().isEmpty())
                || quantization.options().smoothing();
        var split = needsData ? loaded.split(data, shape) : null;
        var calibration = split == null || split.calibration().synthetic() ? null : split.calibration().samples();
        CandidateBuilder builder = CandidateBuilder.create(original, calibration == null ? PruningOptions.MAGNITUDE : PruningOptions.CALIBRATED,
                quantization.options(), calibration);
        if (genome == null) genome = UniformPrecision.of(builder.analysis().quantizable(), p, layers, m.model().getFileName().toString());
        OnnxModel built = builder.build(genome);
        if (fp16Model) return writeFp16(built.proto(), m);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        built.save(out);
        Map<String, Long> counts = new TreeMap<>();
        genome.precisions().values().forEach(q -> counts.merge(q.id(), 1L, Long::sum));
        spec.commandLine().getOut().printf("Wrote %s: %d layers at reduced precision %s, %,d bytes (original %,d)%n",
                out, genome.precisions().size(), counts, Files.size(out), m.model().toFile().length());
        return 0;
    }

    /** Whole-model float16, saved whether or not the CPU provider can run it (it is meant for a GPU); says which. */
    private int writeFp16(ai.onnx.proto.OnnxMl.ModelProto source, ModelArgument m) throws Exception {
        java.util.Set<String> keep = keepFp32 == null ? dev.lathe.transform.conversion.Fp16ModelConverter.DEFAULT_KEEP_FP32
                : keepFp32.stream().filter(o -> !o.isBlank() && !o.equalsIgnoreCase("none")).map(String::trim).collect(java.util.stream.Collectors.toSet());
        var result = dev.lathe.transform.conversion.Fp16ModelConverter.convert(source, keep);
        OnnxModel converted = OnnxModel.of(result.model());
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        converted.save(out);
        var printer = spec.commandLine().getOut();
        printer.printf("Wrote %s: whole model in float16, %d nodes in float16, kept in float32 %s, %d Casts added, %,d bytes (original %,d)%n",
                out, result.fp16Nodes(), result.fp32Nodes(), result.castsAdded(), Files.size(out), m.model().toFile().length());
        String cpu = dev.lathe.transform.conversion.Fp16ModelConverter.cpuProblem(converted);
        printer.println(cpu == null ? "ONNX Runtime's CPU provider runs it (through casts where it lacks float16 kernels: time it on a GPU)"
                : "GPU-only: ONNX Runtime's CPU provider cannot run it (" + cpu + "); run it with the CUDA provider");
        return 0;
    }
}
