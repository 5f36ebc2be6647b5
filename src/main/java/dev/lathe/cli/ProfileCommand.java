package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.eval.ExecutionProviders;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.profile.ModelProfile;
import dev.lathe.explain.Profiles;
import dev.lathe.explain.StudyCandidates;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.Json;
import dev.lathe.cli.options.ModelArgument;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.ProfileStore;
import dev.lathe.study.storage.SqliteStudyStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "profile", description = {
        "Time each node of a model (or of a study's candidate) with ONNX Runtime's profiler, in a measurement worker, after timing the whole run as bench does.",
        "Nodes ONNX Runtime fused into one kernel share its time equally; the sum of the kernels is checked against the whole run and the gap reported.",
        "With --study the profile is stored in the study and read back next time instead of measured again (--remeasure to measure anyway)."})
final class ProfileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "the model (with --study: defaults to the study's original)") String model;

    @Option(names = "--study", paramLabel = "FILE.sqlite", description = "store the profile in this study; needed for --candidate") Path study;

    @Option(names = {"--candidate", "--id"}, paramLabel = "ID", description = "profile this candidate of the study, rebuilt from its genome") Long candidate;

    @Option(names = "--threads", defaultValue = "1", description = "intra-op threads (default ${DEFAULT-VALUE})") int threads;

    @Option(names = "--provider", defaultValue = "cpu", description = "execution provider: cpu or cuda (default ${DEFAULT-VALUE})") String provider;

    @Option(names = "--data", paramLabel = "FILE", description = "samples to time on (default: the model's own, else synthetic)") Path data;

    @Option(names = "--remeasure", description = "measure even if the study holds a profile for these settings") boolean remeasure;

    @Option(names = "--json", description = "print one JSON object: total_ms, the kernels' sum and gap, and nodes (name, op, ms, share, kernel, provider, fused_with)")
    boolean json;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        provider = ExecutionProviders.require(provider); // an unknown one, or one this machine lacks, is refused with the reason
        if (candidate != null && study == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--candidate needs --study");
        if (model == null && study == null) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a MODEL or a --study");
        Path modelPath;
        OnnxModel original;
        Path dataFile = data;
        Path tokenizer = null;
        OnnxModel profiled = null;
        String subject = ProfileStore.ORIGINAL;
        if (study != null) {
            try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
                StudyCandidates c = StudyCandidates.of(store);
                modelPath = c.originalPath();
                original = c.original();
                if (model != null && !LoadedModel.load(model).model().sha256().equals(c.original().sha256()))
                    throw new IllegalArgumentException(model + " is not the original of study " + study.getFileName() + " (" + modelPath + ")");
                if (dataFile == null && c.config().data().dataPath() != null) dataFile = Path.of(c.config().data().dataPath());
                if (c.config().data().tokenizerPath() != null) tokenizer = Path.of(c.config().data().tokenizerPath());
                if (candidate != null) {
                    c.record(candidate);
                    profiled = c.build(candidate);
                    subject = ProfileStore.candidate(candidate);
                }
            }
        } else {
            LoadedModel loaded = LoadedModel.load(model); // through the gate
            ModelArgument m = loaded.argument();
            modelPath = m.model();
            original = loaded.model();
            if (dataFile == null) dataFile = m.defaultData();
            tokenizer = m.defaultTokenizer();
        }
        Map<String, List<Long>> fixed = new LinkedHashMap<>();
        shape.fixed(original.proto().getGraph()).forEach((k, v) -> fixed.put(k, Arrays.stream(v).boxed().toList()));
        MeasurementSetup setup = new MeasurementSetup(modelPath.toAbsolutePath().toString(), dataFile == null ? null : dataFile.toAbsolutePath().toString(),
                tokenizer == null ? null : tokenizer.toAbsolutePath().toString(), shape.batch, shape.seqLen, fixed, threads, provider, "all",
                TimingProtocol.DEFAULT, false, false);
        Profiles.Result r = Profiles.profile(setup, profiled, study, subject, remeasure, null);
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(Json.MAPPER.writeValueAsString(Json.MAPPER.readTree(r.profile().toJson())));
        else print(out, r, modelPath, subject);
        out.flush();
        return 0;
    }

    private static void print(PrintWriter out, Profiles.Result r, Path model, String subject) {
        ModelProfile p = r.profile();
        out.printf(Locale.ROOT, "profile of %s (%s)  threads %d  input %s  %d profiled runs%s%n", model.getFileName(), subject, p.threads(), p.shape(), p.runs(),
                r.fromStudy() ? "  (stored in the study, measured " + r.measuredAt() + ")" : "");
        List<ModelProfile.Node> shown = p.nodes().stream().filter(n -> !n.folded()).sorted(Comparator.comparingDouble(ModelProfile.Node::ms).reversed()).toList();
        int width = Math.min(48, shown.stream().mapToInt(n -> n.name().length()).max().orElse(4));
        out.printf(Locale.ROOT, "%-" + width + "s  %-18s %9s %7s  %s%n", "node", "op", "ms", "share", "kernel (operator, provider)");
        for (ModelProfile.Node n : shown)
            out.printf(Locale.ROOT, "%-" + width + "s  %-18s %9.4f %6.1f%%  %s (%s, %s)%s%n", clip(n.name(), width), n.op(), n.ms(), n.share() * 100,
                    n.kernel(), n.kernelOp(), n.provider() == null ? "?" : n.provider().replace("ExecutionProvider", ""),
                    n.fusedWith().isEmpty() ? "" : "  fused with " + n.fusedWith().size() + " node(s), time shared equally: " + String.join(", ", n.fusedWith()));
        long folded = p.nodes().stream().filter(ModelProfile.Node::folded).count();
        if (folded > 0) out.printf("%d node(s) were folded away when ONNX Runtime built the session (constants, identities): 0 ms%n", folded);
        out.printf(Locale.ROOT, "whole run %.4f ms (median, without the profiler); kernels sum to %.4f ms; gap %.4f ms (%.1f%%): the session's own work per run and the profiler's overhead; profiled runs' median %.4f ms%n",
                p.totalMs(), p.kernelSumMs(), p.gapMs(), p.gapShare() * 100, p.profiledRunMs());
        if (p.runKernelShare() != null)
            out.printf(Locale.ROOT, "like for like, in the %d profiled runs: each run's kernels are %.1f%% of its own duration (median; %.4f ms of %.4f ms)%s%n",
                    p.runs(), p.runKernelShare() * 100, p.runKernelSumMs(), p.profiledRunMs(),
                    p.runCpuMs() == null || p.runCpuMs() <= 0 ? "" : String.format(Locale.ROOT,
                            "; the kernels' medians (%.4f ms) are %.1f%% of the calling thread's CPU time per run (%.4f ms%s)", p.kernelSumMs(),
                            100 * p.kernelSumMs() / p.runCpuMs(), p.runCpuMs(), p.threads() == 1 ? "" : ", the other intra-op threads not counted"));
    }

    private static String clip(String s, int w) {
        return s.length() <= w ? s : "…" + s.substring(s.length() - w + 1);
    }
}
