package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.ModelArgument;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.ClockOption;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.ExecutionProviders;
import dev.lathe.eval.InProcessMeasurer;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.SessionInfo;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.worker.WorkerMeasurer;
import dev.lathe.eval.worker.WorkerProcess;
import dev.lathe.model.OnnxModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "bench", description = "Time a model the way the search measures candidates (in a measurement worker, adaptive repetition), and print the statistics and settings.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL") String model;

    @Option(names = "--threads", defaultValue = "1", description = "intra-op threads (default ${DEFAULT-VALUE})") int threads;

    @Option(names = "--provider", defaultValue = "cpu", description = "execution provider: cpu or cuda (default ${DEFAULT-VALUE})") String provider;

    @Option(names = "--repeat", defaultValue = "1", description = "measure this many times in a row and report the spread of medians") int repeat;

    @Option(names = "--tolerance", defaultValue = "2", paramLabel = "PCT",
            description = "time until the median's 95% confidence interval is within ±PCT %% (default ${DEFAULT-VALUE})") double tolerance;

    @Option(names = "--data", paramLabel = "FILE", description = "samples to time on, as the search would (default: the model's own, else synthetic)") Path data;

    @Option(names = "--in-process", description = "measure in this process instead of a worker process") boolean inProcess;

    @Option(names = "--clock", paramLabel = "auto|wall|cpu", defaultValue = ClockOption.AUTO, description = ClockOption.HELP + " Default: ${DEFAULT-VALUE}.")
    String clock;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1) throw new IllegalArgumentException("--repeat must be at least 1, got " + repeat);
        provider = ExecutionProviders.require(provider); // an unknown one, or one this machine lacks, is refused with the reason
        LatencyClock timing = ClockOption.parse(spec.commandLine(), clock, provider, threads);
        LoadedModel input = LoadedModel.loadGraph(model); // bench only runs it (in the worker, from its file)
        ModelArgument m = input.argument();
        OnnxModel loaded = input.model();
        Map<String, List<Long>> fixed = new java.util.LinkedHashMap<>();
        shape.fixed(loaded.proto().getGraph()).forEach((k, v) -> fixed.put(k, Arrays.stream(v).boxed().toList()));
        Path dataFile = data != null ? data : m.defaultData();
        Path tok = m.defaultTokenizer();
        MeasurementSetup setup = new MeasurementSetup(m.model().toAbsolutePath().toString(), dataFile == null ? null : dataFile.toAbsolutePath().toString(),
                tok == null ? null : tok.toAbsolutePath().toString(), shape.batch, shape.seqLen, fixed, threads, provider, "all",
                TimingProtocol.DEFAULT.withTolerance(tolerance / 100), false, !inProcess).withClock(timing);
        PrintWriter out = spec.commandLine().getOut();
        String warning = ClockOption.warning(timing, threads);
        if (warning != null) spec.commandLine().getErr().println(warning);
        boolean cpuClock = timing == LatencyClock.CPU;
        String unit = cpuClock ? " ms CPU" : " ms";
        try (CandidateMeasurer measurer = inProcess ? new InProcessMeasurer(setup) : new WorkerMeasurer(setup, WorkerProcess.Options.defaults(), null)) {
            SessionInfo info = measurer.start();
            List<Double> medians = new ArrayList<>();
            for (int i = 0; i < repeat; i++) {
                Measurement r = measurer.measureReference();
                LatencyStats s = r.latency();
                if (i == 0) printSettings(out, m.model(), s, info, setup, measurer.isolated());
                medians.add(s.medianMs());
                out.printf(Locale.ROOT, "median %.3f%s ±%.2f%% (95%% CI %.3f-%.3f)  p90 %.3f ms  mean %.3f ms  std %.3f ms  min %.3f ms  %s %.3f ms/run  runs %d (+%d warm-up%s)  %s%s%n",
                        s.medianMs(), unit, s.ciHalfWidthPct(), s.ciLowMs(), s.ciHighMs(), s.p90Ms(), s.meanMs(), s.stdMs(), s.minMs(),
                        cpuClock ? "wall" : "cpu", cpuClock ? s.wallMedianMs() : s.cpuMedianMs(), s.runs(), s.warmupRuns(),
                        s.warmupSettled() ? ", settled" : ", not settled", s.converged() ? "converged"
                                : String.format(Locale.ROOT, "stopped at the cap after %.1f s%s", s.timedSeconds(), cpuClock ? " of CPU time" : ""),
                        r.peakMemoryBytes() == null ? "" : String.format(Locale.ROOT, "  peak memory %.1f MiB", r.peakMemoryBytes() / 1048576.0));
                out.flush();
            }
            if (repeat > 1) {
                double lo = medians.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                double hi = medians.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                out.printf(Locale.ROOT, "spread of medians over %d measurements: %.2f%% (%.3f to %.3f%s)%n", repeat, (hi - lo) / lo * 100, lo, hi, unit);
            }
        }
        return 0;
    }

    private static void printSettings(PrintWriter out, Path model, LatencyStats s, SessionInfo info, MeasurementSetup setup, boolean isolated) {
        TimingProtocol p = setup.protocol();
        out.printf(Locale.ROOT, "model %s  provider %s  intra-op threads %d  inter-op %d  optimization %s%n",
                model.getFileName(), s.provider(), s.threads(), s.interOpThreads(), s.optimizationLevel());
        out.printf("input %s  (%s)%n", s.shape(), info.dataSynthetic() ? "synthetic" : info.dataDescription());
        out.printf("machine %s%n", s.machine());
        out.printf("clock %s%s%n", setup.clock().label(), setup.clock() == LatencyClock.CPU
                ? " per run (this process, all its threads; the protocol's warm-up, interval and caps count CPU time)" : " per run");
        out.printf(Locale.ROOT, "protocol warm-up until the last %d runs agree within %.0f%% (at most %d runs / %.0f s), then timed runs until the median's 95%% CI is within ±%.1f%% (at least %d runs, at most %.0f s), %s%n",
                p.settleWindow(), p.settleTolerance() * 100, p.maxWarmupRuns(), p.maxWarmupSeconds(), p.tolerance() * 100, p.minRuns(), p.maxSeconds(),
                isolated ? "in a measurement worker (pid " + info.pid() + ")" : "in this process");
        List<String> providers = ExecutionProviders.all().stream()
                .map(e -> e.id() + (e.available() ? "" : " (unavailable: " + e.reason() + ")")).toList();
        out.printf("providers %s%n", String.join(", ", providers));
    }
}
