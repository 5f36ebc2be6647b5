package dev.lathe.cli;

import dev.lathe.cli.options.QuantizationCliOptions;
import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.ModelArgument;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.ImageOptions;
import dev.lathe.cli.options.DataOptions;
import dev.lathe.cli.options.ClockOption;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.study.Constraints;
import dev.lathe.config.KeepRanges;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.Criterion;
import dev.lathe.config.DataConfig;
import dev.lathe.config.MeasuringConfig;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.client.PoolMeasurer;
import dev.lathe.pool.net.HazelcastSetup;
import dev.lathe.config.PrecisionConfig;
import dev.lathe.config.Provider;
import dev.lathe.config.PruningConfig;
import dev.lathe.config.Repair;
import dev.lathe.config.SearchConfig;
import dev.lathe.config.StrategyKind;
import dev.lathe.config.StudyConfig;
import dev.lathe.search.SearchRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.DriftCorrection;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.storage.SqliteStudyStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "search", description = "Search pruned and quantized variants headless; resumes if the study exists, ends by printing the Pareto front.")
final class SearchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "ONNX file, or sample:NAME")
    String model;

    @Option(names = "--study", required = true, paramLabel = "FILE.sqlite", description = "study file (created, or resumed if it exists)")
    Path study;

    @Option(names = "--budget", defaultValue = "40", description = "candidates to measure in all (default ${DEFAULT-VALUE})")
    int budget;

    @Option(names = "--seed", defaultValue = "1") long seed;

    @Option(names = "--time-budget", paramLabel = "MINUTES",
            description = "stop starting candidates after this many minutes of this run (the candidate in flight finishes); the run ends at whichever of this and --budget comes first")
    Double timeBudgetMinutes;

    @Option(names = "--threads", defaultValue = "1", description = "intra-op threads for timing (default ${DEFAULT-VALUE})") int threads;

    @picocli.CommandLine.Mixin
    DataOptions data;

    @picocli.CommandLine.Mixin
    ImageOptions image;

    @Option(names = "--population", defaultValue = "12", description = "NSGA-II population (default ${DEFAULT-VALUE})") int population;

    @Option(names = "--strategy", defaultValue = "nsga2", description = "nsga2, predictor (NSGA-II steered by predictors refitted each generation) or random (default ${DEFAULT-VALUE})") String strategy;

    @Option(names = "--criterion", defaultValue = "obs", description = "unit ranking: obs (what the refit can best make up for), activation (|W|·‖x‖ on calibration data), sensitivity (output change per removed head or unit, groups up to 64 units) or magnitude (default ${DEFAULT-VALUE})") String criterion;

    @Option(names = "--repair", defaultValue = "lstsq", description = "after pruning: lstsq (refit the next layer on calibration data) or none (default ${DEFAULT-VALUE})") String repair;

    @Option(names = "--no-confirm", description = "skip re-timing the front interleaved with the original after the search") boolean noConfirm;

    @Option(names = "--quick", description = "shorter timing protocol (median within ±5%%, at most 2 s per candidate) for smoke runs") boolean quick;

    @Option(names = "--provider", defaultValue = "cpu", description = "execution provider: cpu or cuda (default ${DEFAULT-VALUE})") String provider;

    @Option(names = "--tolerance", defaultValue = "2", paramLabel = "PCT",
            description = "time each candidate until its median's 95%% confidence interval is within ±PCT %% (default ${DEFAULT-VALUE})") double tolerance;

    @Option(names = "--reference-every", defaultValue = "5", paramLabel = "N",
            description = "re-measure the original as the drift reference every N candidates (see --reference-minutes; default ${DEFAULT-VALUE})") int referenceEvery;

    @Option(names = "--reference-minutes", defaultValue = "2", paramLabel = "M",
            description = "and at least every M minutes (each device of a pool on its own; default ${DEFAULT-VALUE})") double referenceMinutes;

    @Option(names = "--clock", paramLabel = "auto|wall|cpu", description = ClockOption.HELP
            + " Default: auto for a new study (cpu at --threads 1 on the CPU provider), the study's own clock when resuming.")
    String clock;

    @Option(names = "--objective", defaultValue = "latency", description = "what to trade against quality: latency or memory (the resident memory each candidate needs to load and run, measured in the worker; default ${DEFAULT-VALUE})") String objective;

    @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "a candidate still measuring after this long is recorded as failed and its worker restarted (default ${DEFAULT-VALUE})") double timeout;

    @Option(names = "--pool", paramLabel = "POOL", description = "measure on the devices of this pool (lathe agent) instead of this machine; see docs/pool.md")
    String pool;

    @Option(names = "--members", paramLabel = "HOST:PORT,...", description = "with --pool: agents to connect to") String members;

    @Option(names = "--token-file", paramLabel = "FILE", description = "with --pool: the pool token's file (default: $LATHE_POOL_TOKEN)") Path tokenFile;

    @Option(names = "--heartbeat-seconds", defaultValue = "60", paramLabel = "S",
            description = "with --pool: a device silent this long is lost and its candidate measured elsewhere (default ${DEFAULT-VALUE})")
    int heartbeatSeconds;

    @Option(names = "--in-process", description = "measure in this process instead of a worker process (no protection from crashing candidates)") boolean inProcess;

    @Option(names = "--precisions", split = ",", paramLabel = "P",
            description = "precisions layers may take besides float32, each for the operators that support it: int8, int8_static, int4_b32, int4_b64, int4_b128, fp16 (default: int8 for MatMul/Gemm, int8_static for Conv)")
    List<String> precisions;

    @Option(names = "--layer-precisions", paramLabel = "LAYER=P[,P...]",
            description = "pin one layer (an id from inspect's int8-able layers) to these precisions instead of the --precisions set; fp32 alone keeps it float32 (repeatable)")
    List<String> layerPrecisions;

    @Option(names = "--sensitivity-samples", defaultValue = "32",
            description = "calibration samples each layer's sensitivity is scored on before the search, to seed it and steer mutation (0: off; default ${DEFAULT-VALUE})")
    int sensitivitySamples;

    @picocli.CommandLine.Mixin
    QuantizationCliOptions quantization;

    @Option(names = "--max-latency-ms", paramLabel = "MS",
            description = "constraint: latency at most MS (on the study's clock, drift-corrected); slower candidates are kept but left off the front")
    Double maxLatencyMs;

    @Option(names = "--min-quality", paramLabel = "Q", description = "constraint: quality (accuracy or fidelity) at least Q")
    Double minQuality;

    @Option(names = "--max-memory-mib", paramLabel = "MIB", description = "constraint: the resident memory a candidate needs to load and run at most MIB")
    Double maxMemoryMib;

    @Option(names = "--max-size-mb", paramLabel = "MB", description = "constraint: model file at most MB (10^6 bytes)")
    Double maxSizeMb;

    @Option(names = "--keep-range", paramLabel = "KIND_OR_GROUP=MIN:MAX",
            description = "keep ratios a kind (ffn_units, mlp_units, attention_heads, conv_channels) or one group (an id from inspect) searches in; "
                    + "1:1 keeps it whole (repeatable; a group's own range beats its kind's, which beats --min-keep)")
    List<String> keepRanges;

    @Option(names = "--min-keep", paramLabel = "R", description = "lowest keep ratio of every group without a --keep-range (built-in: 0.25)")
    Double minKeep;

    @Option(names = "--keep-block", paramLabel = "BLOCK", description = "never drop this removable block (an id from inspect; repeatable)")
    List<String> keepBlocks;


    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Mixin
    DistillShareOptions distillShare;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (timeBudgetMinutes != null && !(timeBudgetMinutes > 0))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--time-budget must be a positive number of minutes, got " + timeBudgetMinutes);
        // A broken model is refused before any study file exists; only its graph is kept (the runner loads the weights).
        LoadedModel gated = LoadedModel.loadGraph(model);
        ModelArgument m = gated.argument();
        Path dataFile = data.dataPath(m);
        Path tok = data.tokenizerPath(m);
        distillShare.check(spec.commandLine(), dataFile);
        image.preprocessing(spec.commandLine()); // bad values are a usage error before anything starts
        java.util.Map<String, java.util.List<Long>> fixed = new java.util.LinkedHashMap<>();
        if (!shape.shapes.isEmpty())
            shape.fixed(gated.model().proto().getGraph())
                    .forEach((k, v) -> fixed.put(k, java.util.Arrays.stream(v).boxed().toList()));
        PrecisionChoices choices = precisions == null ? PrecisionChoices.DEFAULT
                : PrecisionChoices.of(precisions.stream().map(dev.lathe.transform.genome.Precision::parse).toList());
        choices = pinLayers(choices, layerPrecisions);
        // An unknown strategy, criterion, repair, provider or objective is refused naming the allowed values.
        StudyConfig asked = StudyConfig.defaults()
                .with(new SearchConfig(budget, seed, population, StrategyKind.parse(strategy)))
                .with(new DataConfig(dataFile == null ? null : dataFile.toAbsolutePath().toString(), tok == null ? null : tok.toAbsolutePath().toString(),
                        shape.batch, shape.seqLen, fixed, image.meanList(), image.stdList()))
                .with(new PruningConfig(Criterion.parse(criterion), Repair.parse(repair)))
                .with(PrecisionConfig.of(choices, quantization.options(), sensitivitySamples))
                .with(new MeasuringConfig(Provider.parse(provider), LatencyClock.WALL, threads, quick, tolerance, referenceEvery,
                        referenceMinutes, Objective.parse(objective), !inProcess, timeout, null));
        try {
            asked = asked.with(new Constraints(maxLatencyMs, maxMemoryMib, maxSizeMb, minQuality)).with(keepRanges(keepRanges, minKeep, keepBlocks));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean console = System.console() != null;
        StudyConfig configured = asked;
        return dev.lathe.study.storage.FreshStudy.run(study, () -> search(m, configured, out, console));
    }

    private int search(ModelArgument m, StudyConfig asked, PrintWriter out, boolean console) throws Exception {
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            // Without --clock a resumed study keeps its own; asking for another is refused by the runner.
            LatencyClock timing = clock != null ? ClockOption.parse(spec.commandLine(), clock, provider, threads)
                    : StudyConfig.of(store).map(c -> c.measuring().clock()).orElse(LatencyClock.defaultFor(provider, threads));
            StudyConfig settings = asked.with(asked.measuring().withClock(timing));
            String unit = timing == LatencyClock.CPU ? " ms CPU" : " ms";
            SearchRunner runner = new SearchRunner(m.model(), settings, store, new SearchRunner.Listener() {
                @Override
                public void message(String text) { out.println(text); }

                @Override
                public void started(int measured, int total) {
                    out.printf("%s %d of %d candidates already measured%n", measured > 0 ? "Resuming:" : "Starting:", measured, total);
                }

                @Override
                public void candidateFinished(CandidateRecord c, Study study, int measured, int total, double secondsLeft) {
                    Double speedup = study.speedup(c);
                    String figures = c.isDone()
                            ? String.format("%.3f%s%s  %s %.4f  %,d bytes", c.latencyMs(), unit,
                                    speedup == null ? "" : String.format(" (%.2fx)", speedup), c.qualityMetric(), c.quality(), c.sizeBytes())
                            : "FAILED " + c.error();
                    var early = dev.lathe.study.StoppedEarly.of(c);
                    if (early.isPresent()) figures += "  (" + early.get().describe() + ")";
                    String violated = study.describeViolations(c);
                    if (!violated.isEmpty()) figures += "  violates: " + violated;
                    if (c.device() != null) figures += "  on " + c.device();
                    out.printf("[%d/%d] #%d %s  ~%s left%s", measured, total, c.id(), figures, duration(secondsLeft), console ? "\n" : "\n");
                    out.flush();
                }

                @Override
                public void referenceMeasured(ReferenceRun r, DriftCorrection drift) {
                    out.printf("reference: original %.3f%s after %d candidates%s%s%n", r.latencyMs(), unit, r.afterCandidates(),
                            r.device() == null ? "" : " on " + r.device(),
                            drift.spread() > 0 ? String.format(" (references so far vary by %.1f%%)", drift.spread() * 100) : "");
                    out.flush();
                }
            });
            if (pool != null)
                runner.pool(new PoolMeasurer.Options(pool, HazelcastSetup.Address.parseList(members), PoolToken.read(tokenFile), heartbeatSeconds,
                        settings.measuring().referenceEvery(), settings.measuring().referenceMinutes(), 60));
            else if (members != null || tokenFile != null)
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--members and --token-file go with --pool");
            var distillation = distillShare.wire(runner, store, data.dataPath(m), data.tokenizerPath(m), seed, out);
            if (noConfirm) runner.confirmFront(false);
            if (timeBudgetMinutes != null) {
                runner.timeBudget(java.time.Duration.ofMillis(Math.round(timeBudgetMinutes * 60_000)));
            }
            Thread hook = new Thread(runner::requestStop);
            Runtime.getRuntime().addShutdownHook(hook);
            SearchRunner.Outcome o = runner.run();
            try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException ignored) { /* shutting down */ }
            out.printf("%s: %d of %d candidates measured in %s (this run)%n", o.stopped() ? "Stopped" : "Done", o.measured(), o.budget(), duration(o.wallSeconds()));
            if (!o.seconds().isEmpty()) out.println("Time: " + timeSplit(o.seconds(), o.wallSeconds()));
            if (distillation != null) out.println(distillation.summary());
            Study result = runner.study();
            printFront(out, result, runner.config().measuring().clock(), store.confirmations());
            printViolations(out, result);
        }
        return 0;
    }


    /** The --keep-range, --min-keep and --keep-block options as settings; a malformed one is refused with what it should look like. */
    static KeepRanges keepRanges(List<String> ranges, Double minKeep, List<String> blocks) {
        KeepRanges k = new KeepRanges(minKeep, java.util.Map.of(), blocks);
        for (String r : ranges == null ? List.<String>of() : ranges) {
            int eq = r.lastIndexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--keep-range wants KIND_OR_GROUP=MIN:MAX, got '" + r + "'");
            try {
                k = k.with(r.substring(0, eq), KeepRanges.Range.parse(r.substring(eq + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--keep-range " + r + ": " + e.getMessage());
            }
        }
        return k;
    }

    /** Candidates measured but outside the constraints, each with what it breaks. */
    static void printViolations(PrintWriter out, Study study) {
        Constraints constraints = study.constraints();
        if (constraints.isEmpty()) return;
        List<CandidateRecord> infeasible = study.trials().stream().filter(c -> c.isDone() && !study.feasible(c)).toList();
        long feasible = study.trials().stream().filter(study::feasible).count();
        out.printf("Constraints %s: %d candidates meet them, %d do not%n", constraints.describe(), feasible, infeasible.size());
        for (CandidateRecord c : infeasible) out.printf("  #%d violates %s%n", c.id(), study.describeViolations(c));
    }

    /** Applies each "LAYER=P,P" pin; the layer id is everything before the last '=' (ids are node names). */
    static PrecisionChoices pinLayers(PrecisionChoices choices, List<String> pins) {
        if (pins == null) return choices;
        for (String pin : pins) {
            int eq = pin.lastIndexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--layer-precisions wants LAYER=P[,P...], got '" + pin + "'");
            List<dev.lathe.transform.genome.Precision> allowed = java.util.Arrays.stream(pin.substring(eq + 1).split(","))
                    .filter(t -> !t.isBlank() && !PrecisionChoices.isFloat32(t)).map(dev.lathe.transform.genome.Precision::parse).toList();
            choices = choices.pin(pin.substring(0, eq), allowed);
        }
        return choices;
    }

    /** The study's front, in order of increasing cost on its objective. */
    static void printFront(PrintWriter out, Study study, LatencyClock clock) {
        printFront(out, study, clock, java.util.Map.of());
    }

    /** The same, with each candidate's confirmed (interleaved) speed-up beside the search's where there is one. */
    static void printFront(PrintWriter out, Study study, LatencyClock clock, java.util.Map<Long, dev.lathe.study.ConfirmedSpeedup> confirmed) {
        List<CandidateRecord> front = study.front();
        out.println("Pareto front of " + (study.objective() == Objective.MEMORY ? "peak memory" : "latency on " + clock.label() + " (drift-corrected where the study has references)")
                + " against quality (" + front.size() + " candidates):");
        out.printf("  %5s %11s %9s %9s %10s %14s %9s  %s%n", "id", clock == LatencyClock.CPU ? "cpu_ms" : "latency_ms", "speed-up", "confirmed",
                "quality", "size_bytes", "peak_MiB", "metric");
        for (CandidateRecord c : front) {
            Double speedup = study.speedup(c);
            var conf = confirmed.get(c.id());
            out.printf("  %5d %11.3f %9s %9s %10.4f %,14d %9s  %s%n", c.id(), c.latencyMs(),
                    speedup == null ? "-" : String.format("%.2fx", speedup), conf == null ? "-" : String.format("%.2fx", conf.speedup()), c.quality(), c.sizeBytes(),
                    c.peakMemoryBytes() == null ? "-" : String.format("%.1f", c.peakMemoryBytes() / 1048576.0), c.qualityMetric());
        }
        if (!confirmed.isEmpty()) out.println("  confirmed: " + dev.lathe.study.ConfirmedSpeedup.legend(confirmed.values()));
    }

    /** "latency 61% · quality 20% · build 9% · reference 6% · prepare 2% · overhead 2%", largest first. */
    static String timeSplit(java.util.Map<String, Double> seconds, double wall) {
        return seconds.entrySet().stream().sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> String.format("%s %.0f s (%.0f%%)", e.getKey(), e.getValue(), wall > 0 ? e.getValue() / wall * 100 : 0))
                .collect(java.util.stream.Collectors.joining(" · "));
    }

    static String duration(double s) {
        if (s < 60) return String.format("%.0f s", s);
        if (s < 3600) return String.format("%d min %02d s", (int) s / 60, (int) s % 60);
        return String.format("%d h %02d min", (int) s / 3600, ((int) s % 3600) / 60);
    }
}
