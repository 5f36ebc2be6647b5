package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.ModelArgument;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.DataOptions;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.ModelEvaluator;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.distill.DistillationResult;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.transform.distill.Distiller;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * One pruning decision, no search: removes the same share of every group of a kind (or one named group) with
 * each requested ranking and repair, and prints quality and latency against the original. This is how the
 * criteria are compared (README, issue notes), and a quick way to write one pruned model.
 */
@Command(name = "prune", description = "Prune a fixed share of units with each ranking/repair given, and print quality and speed-up against the original.")
final class PruneCommand implements Callable<Integer> {
    private static final String DISTILL = "distill";

    @Parameters(paramLabel = "MODEL", description = "ONNX file, or sample:NAME") String model;

    @Option(names = "--keep", paramLabel = "KIND_OR_GROUP=RATIO", required = true,
            description = "keep this share of the units of every group of a kind (ffn_units, attention_heads, mlp_units, conv_channels) or of one group id (repeatable)")
    List<String> keep = new ArrayList<>();

    @Option(names = "--drop", paramLabel = "BLOCK", description = "also drop this block (id from inspect; repeatable)") List<String> drop = new ArrayList<>();

    @Option(names = "--criterion", split = ",", defaultValue = "obs", description = "rankings to compare, comma-separated: obs, activation, sensitivity, magnitude (default ${DEFAULT-VALUE})")
    List<String> criteria;

    @Option(names = "--repair", split = ",", defaultValue = "lstsq", description = "repairs to compare, comma-separated: lstsq, none, distill (lstsq, then distillation against the original on the calibration part; default ${DEFAULT-VALUE})")
    List<String> repairs;

    @picocli.CommandLine.Mixin DataOptions data;

    @Option(names = "--threads", defaultValue = "1") int threads;

    @Option(names = "--distill-steps", defaultValue = "300", paramLabel = "N", description = "optimizer steps of --repair distill (default ${DEFAULT-VALUE})") int distillSteps;

    @Option(names = "--distill-minutes", paramLabel = "M", description = "time limit of --repair distill instead of a step count") Double distillMinutes;

    @Option(names = "--distill-lr", defaultValue = "5e-5", paramLabel = "RATE", description = "peak learning rate of --repair distill (default ${DEFAULT-VALUE})") double distillRate;

    @Option(names = "--distill-batch", defaultValue = "16", paramLabel = "N", description = "samples per step of --repair distill (default ${DEFAULT-VALUE})") int distillBatch;

    @Option(names = "--distill-hidden", defaultValue = "0", paramLabel = "WEIGHT",
            description = "weight of hidden-state matching at the kept layers' boundaries in --repair distill (default ${DEFAULT-VALUE}: outputs only)") double distillHidden;

    @Option(names = "--seed", defaultValue = "1", description = "seed of --repair distill (default ${DEFAULT-VALUE})") long seed;

    @Option(names = "--out", paramLabel = "FILE.onnx", description = "write the pruned model (one ranking and one repair only)") Path out;

    @Option(names = "--force", description = "overwrite --out if it exists") boolean force;

    @Option(names = "--multiple-of", defaultValue = "8", paramLabel = "N",
            description = "round kept units of groups of 64 and more to multiples of N; 1 keeps exact ratios (default ${DEFAULT-VALUE})")
    int multiple;

    @Option(names = "--quick", description = "shorter timing protocol, as for search") boolean quick;

    @picocli.CommandLine.Mixin InputShapeOptions shape;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<PruningOptions> options = new ArrayList<>();
        List<Boolean> distilled = new ArrayList<>();
        for (String c : criteria) for (String r : repairs) {
            options.add(new PruningOptions(c, r.equals(DISTILL) ? "lstsq" : r, multiple));
            distilled.add(r.equals(DISTILL));
        }
        if (out != null && options.size() != 1)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--out writes one model: give one --criterion and one --repair");
        if (out != null && Files.exists(out) && !force) throw new IllegalArgumentException(out + " exists (use --force to overwrite it)");

        LoadedModel loaded = LoadedModel.load(model);
        ModelArgument m = loaded.argument();
        OnnxModel original = loaded.model();
        InputShapes shapes = loaded.shapes(shape);
        EvaluationData.Split split = loaded.split(data, shape);
        PrintWriter o = spec.commandLine().getOut();
        boolean calibrated = options.stream().anyMatch(PruningOptions::needsCalibration) && !split.calibration().synthetic();
        // Statistics are gathered once, for whichever requested option needs them; the others reuse them.
        CandidateBuilder base = CandidateBuilder.create(original, options.stream().filter(PruningOptions::needsCalibration).findFirst().orElse(options.get(0)),
                split.calibration().synthetic() ? null : split.calibration().samples());
        Genome genome = genome(base);

        ModelEvaluator evaluator = new ModelEvaluator(original, split.evaluation(), shapes, OrtRunner.RunnerSettings.cpu(threads),
                quick ? TimingProtocol.QUICK : TimingProtocol.DEFAULT);
        o.printf("%s: %s; calibration %s, evaluation %s (%d samples)%n", m.model().getFileName(), describe(genome),
                calibrated ? Math.min(split.calibration().size(), CandidateBuilder.MAX_CALIBRATION_SAMPLES) + " samples" : "none",
                split.evaluation().description(), split.evaluation().size());
        Measurement ref = evaluator.measure(original);
        o.printf("%-12s %-7s %-10s %9s %9s %11s %9s %13s %8s%n", "ranking", "repair", "metric", "mean", "worst", "latency_ms", "speed-up", "parameters", "build_s");
        o.printf("%-12s %-7s %-10s %9.4f %9.4f %11.3f %9s %,13d %8s%n", "(original)", "", ref.quality().qualityMetric(), ref.quality().quality(),
                ref.quality().worstCase(), ref.latency().medianMs(), "1.00x", ref.parameters(), "");
        o.flush();
        for (int v = 0; v < options.size(); v++) {
            PruningOptions opt = options.get(v);
            CandidateBuilder b = base.withOptions(opt);
            long t0 = System.nanoTime();
            OnnxModel pruned = b.build(genome); // the first build of a ranking includes scoring every group
            if (distilled.get(v)) {
                if (split.calibration().synthetic()) throw new IllegalArgumentException("--repair distill needs real data (--data)");
                DistillationSettings ds = (distillMinutes != null ? DistillationSettings.minutes(distillMinutes, seed) : DistillationSettings.steps(distillSteps, seed))
                        .withLearningRate(distillRate).withBatchSize(distillBatch).withHiddenStateWeight(distillHidden);
                DistillationResult d = Distiller.distill(original, pruned, split.calibration(), ds, null);
                o.printf("distilled %d steps in %.1f s (%s): held-out %s %.4f -> %.4f%n", d.steps(), d.millis() / 1000.0, d.stopReason(),
                        d.qualityMetric(), d.heldOutQualityBefore(), d.heldOutQualityAfter());
                pruned = d.model();
            }
            double buildSeconds = (System.nanoTime() - t0) / 1e9;
            Measurement got = evaluator.measure(pruned);
            o.printf("%-12s %-7s %-10s %9.4f %9.4f %11.3f %8.2fx %,13d %8.1f%s%n", opt.criterion(), distilled.get(v) ? DISTILL : opt.repair(), got.quality().qualityMetric(),
                    got.quality().quality(), got.quality().worstCase(), got.latency().medianMs(), ref.latency().medianMs() / got.latency().medianMs(),
                    got.parameters(), buildSeconds, b.options().equals(opt) ? "" : "  (no calibration data: ran as " + b.options().criterion() + "+" + b.options().repair() + ")");
            o.flush();
            if (out != null) {
                pruned.save(out);
                o.println("wrote " + out);
            }
        }
        return 0;
    }

    private Genome genome(CandidateBuilder builder) {
        Map<String, Double> ratios = new TreeMap<>();
        for (String spec : keep) {
            int eq = spec.lastIndexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--keep wants KIND_OR_GROUP=RATIO, got '" + spec + "'");
            String what = spec.substring(0, eq);
            double ratio;
            try { ratio = Double.parseDouble(spec.substring(eq + 1)); }
            catch (NumberFormatException e) { throw new IllegalArgumentException("--keep " + spec + ": '" + spec.substring(eq + 1) + "' is not a number"); }
            List<PrunableGroup> matched = builder.groups().stream()
                    .filter(g -> g.id().equals(what) || g.kind().id().equals(what)).toList();
            if (matched.isEmpty()) throw new IllegalArgumentException("--keep " + spec + ": the model has no group or group kind '" + what
                    + "' (see inspect; kinds here: " + String.join(", ", builder.groups().stream().map(g -> g.kind().id()).distinct().toList()) + ")");
            for (PrunableGroup g : matched) ratios.put(g.id(), ratio);
        }
        for (String b : drop)
            if (builder.analysis().block(b).isEmpty()) throw new IllegalArgumentException("--drop " + b + ": the model has no such block (see inspect)");
        return new Genome(new TreeMap<>(ratios), new TreeMap<>(), new TreeSet<>(drop));
    }

    private static String describe(Genome g) {
        List<String> parts = new ArrayList<>();
        g.keepRatios().values().stream().distinct().forEach(r -> parts.add("keep " + r));
        parts.add(g.keepRatios().size() + " groups");
        if (!g.droppedBlocks().isEmpty()) parts.add("drop " + String.join(",", g.droppedBlocks()));
        return String.join(", ", parts);
    }
}
