package dev.lathe.cli;

import dev.lathe.cli.options.LoadedModel;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.DataOptions;
import dev.lathe.cli.options.ClockOption;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.eval.timing.LatencyMeter;
import dev.lathe.eval.timing.LatencyStats;
import dev.lathe.eval.quality.QualityEvaluator;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Side-by-side timing of several models in this process, for A/B comparisons on a machine whose speed drifts
 * (the search and {@code bench} measure one model at a time in a worker; this interleaves them instead).
 */
@Command(name = "compare", description = "Time several models in turn, round after round (A B A B ...) or run by run (--interleave), "
        + "so a drifting machine affects them alike; optionally score each against an original.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", arity = "2..*") List<String> models;

    @Option(names = "--threads", defaultValue = "1") int threads;

    @Option(names = "--provider", defaultValue = "cpu", description = "cpu or cuda") String provider;

    @Option(names = "--repeat", defaultValue = "1", description = "rounds: measure every model this many times and report the spread of medians") int repeat;

    @Option(names = "--quality-against", paramLabel = "ORIGINAL",
            description = "also score each model's output against this model on the evaluation samples (--data, or the original's own data)")
    String qualityAgainst;

    @Option(names = "--interleave", paramLabel = "CYCLES", defaultValue = "0",
            description = "instead of whole measurements, time single runs of the models in turn (A B A B ...) for this many cycles after "
                    + "10 warm-up runs each, and print each model's median and its median ratio to the first model's run in the same cycle")
    int interleave;

    @Option(names = "--clock", paramLabel = "auto|wall|cpu", defaultValue = ClockOption.AUTO, description = ClockOption.HELP + " Default: ${DEFAULT-VALUE}.")
    String clock;

    @picocli.CommandLine.Mixin
    DataOptions data;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        provider = dev.lathe.eval.ExecutionProviders.require(provider); // an unknown one, or one this machine lacks, is refused with the reason
        List<LoadedModel> admitted = new ArrayList<>();
        for (String m : models) admitted.add(LoadedModel.loadGraph(m)); // compare only runs them: external weights stay on disk
        List<OnnxModel> loaded = admitted.stream().map(LoadedModel::model).toList();
        LatencyClock timing = ClockOption.parse(spec.commandLine(), clock, provider, threads);
        if (timing == LatencyClock.CPU && !provider.equals("cpu"))
            throw new IllegalArgumentException("CPU time misses the work done on the " + provider + " device; time " + provider + " on the wall clock");
        OrtRunner.RunnerSettings settings = new OrtRunner.RunnerSettings(threads, provider, "all");
        LatencyMeter meter = new LatencyMeter(settings, dev.lathe.eval.timing.TimingProtocol.DEFAULT, timing);
        var out = spec.commandLine().getOut();
        String warning = ClockOption.warning(timing, threads);
        if (warning != null) spec.commandLine().getErr().println(warning);
        unit = timing == LatencyClock.CPU ? " ms CPU" : " ms";
        out.printf("model %s  provider %s  intra-op threads %d  inter-op 1  optimization all  clock %s  %s%n",
                String.join(", ", loaded.stream().map(CompareCommand::name).toList()), provider, threads, timing.label(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        if (qualityAgainst != null) {
            // The reference is usually one of the models compared: reuse it, since a model over 2 GB held twice may not fit the heap.
            LoadedModel ref = null;
            for (int i = 0; i < models.size() && ref == null; i++) if (models.get(i).equals(qualityAgainst)) ref = admitted.get(i);
            if (ref == null) ref = LoadedModel.loadGraph(qualityAgainst);
            OnnxModel original = ref.model();
            var split = ref.split(data, shape);
            QualityEvaluator quality = new QualityEvaluator(original, split.evaluation(), settings);
            for (OnnxModel m : loaded) {
                var q = quality.evaluate(m);
                StringBuilder more = new StringBuilder();
                if (q.klDivergence() != null) more.append(String.format("  kl_divergence %.4f", q.klDivergence()));
                if (q.perplexity() != null) more.append(String.format("  perplexity %.3f (original %.3f)", q.perplexity(), q.originalPerplexity()));
                out.printf("quality %s  %s %.4f (worst %.4f)%s%s on %d samples of %s%n", name(m), q.metric(), q.fidelity(), q.worstCase(),
                        q.accuracy() == null ? "" : String.format("  accuracy %.4f", q.accuracy()), more, q.samples(), split.evaluation().description());
            }
        }
        if (interleave > 0) {
            interleaved(loaded, settings, timing, out);
            return 0;
        }
        List<List<Double>> medians = new ArrayList<>();
        loaded.forEach(m -> medians.add(new ArrayList<>()));
        for (int round = 0; round < repeat; round++)
            for (int i = 0; i < loaded.size(); i++) {
                OnnxModel m = loaded.get(i);
                var input = SyntheticInputs.generate(m, shape.resolve(m.proto().getGraph()), 1234);
                LatencyStats s = meter.measure(m, input).stats();
                medians.get(i).add(s.medianMs());
                out.printf("%smedian %.3f" + unit + "  p90 %.3f ms  mean %.3f ms  std %.3f ms  min %.3f ms  runs %d (+%d warm-up)  input %s%n",
                        loaded.size() > 1 ? name(m) + "  " : "", s.medianMs(), s.p90Ms(), s.meanMs(), s.stdMs(), s.minMs(), s.runs(), s.warmupRuns(), s.shape());
            }
        if (repeat > 1)
            for (int i = 0; i < loaded.size(); i++) {
                List<Double> v = medians.get(i).stream().sorted().toList();
                double lo = v.getFirst(), hi = v.getLast(), mid = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
                if (loaded.size() == 1) out.printf("spread of medians over %d measurements: %.2f%%%n", repeat, (hi - lo) / lo * 100);
                else out.printf("%s  median of %d medians %.3f" + unit + ", spread %.2f%%%n", name(loaded.get(i)), repeat, mid, (hi - lo) / lo * 100);
            }
        return 0;
    }

    /**
     * Single runs in turn: on a shared machine whose speed drifts within seconds, a ratio of two runs made a few
     * milliseconds apart is far steadier than a ratio of two medians taken a minute apart.
     */
    private void interleaved(List<OnnxModel> loaded, OrtRunner.RunnerSettings settings, LatencyClock timing, java.io.PrintWriter out) throws Exception {
        List<OrtRunner> runners = new ArrayList<>();
        List<java.util.Map<String, ai.onnxruntime.OnnxTensor>> feeds = new ArrayList<>();
        try {
            for (OnnxModel m : loaded) {
                OrtRunner r = OrtRunner.of(m, settings);
                runners.add(r);
                feeds.add(r.toOrt(SyntheticInputs.generate(m, shape.resolve(m.proto().getGraph()), 1234)));
            }
            for (int i = 0; i < runners.size(); i++) for (int w = 0; w < 10; w++) runners.get(i).runPrepared(feeds.get(i));
            double[][] ms = new double[runners.size()][interleave];
            for (int c = 0; c < interleave; c++)
                for (int i = 0; i < runners.size(); i++) {
                    long c0 = timing == LatencyClock.CPU ? LatencyMeter.processCpuNanos() : 0;
                    long t0 = System.nanoTime();
                    runners.get(i).runPrepared(feeds.get(i));
                    ms[i][c] = timing == LatencyClock.CPU ? (LatencyMeter.processCpuNanos() - c0) / 1e6 : (System.nanoTime() - t0) / 1e6;
                }
            for (int i = 0; i < runners.size(); i++) {
                double[] ratio = new double[interleave];
                for (int c = 0; c < interleave; c++) ratio[c] = ms[i][c] / ms[0][c];
                double[] sorted = ms[i].clone();
                java.util.Arrays.sort(sorted);
                out.printf("%s  interleaved %d runs: median %.3f" + unit + "  p10 %.3f ms  p90 %.3f ms  median ratio to %s %.3f%n", name(loaded.get(i)), interleave,
                        percentile(sorted, 0.5), percentile(sorted, 0.1), percentile(sorted, 0.9), name(loaded.getFirst()), median(ratio));
            }
        } finally {
            for (var f : feeds) f.values().forEach(ai.onnxruntime.OnnxTensor::close);
            for (OrtRunner r : runners) r.close();
        }
    }

    private String unit = " ms";

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return percentile(s, 0.5);
    }

    private static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static String name(OnnxModel m) {
        return m.source() == null ? "model" : m.source().getFileName().toString();
    }
}
