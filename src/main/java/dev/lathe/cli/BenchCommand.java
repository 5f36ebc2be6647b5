package dev.lathe.cli;

import dev.lathe.eval.LatencyMeter;
import dev.lathe.eval.LatencyStats;
import dev.lathe.eval.QualityEvaluator;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", description = "Time models the way the search measures candidates, and print the statistics and settings. "
        + "Several models are measured in turn, round after round (A B A B ...), so a drifting machine affects them alike.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", arity = "1..*") List<String> models;

    @Option(names = "--threads", defaultValue = "1") int threads;

    @Option(names = "--provider", defaultValue = "cpu", description = "cpu or cuda") String provider;

    @Option(names = "--repeat", defaultValue = "1", description = "rounds: measure every model this many times and report the spread of medians") int repeat;

    @Option(names = "--quality-against", paramLabel = "ORIGINAL",
            description = "also score each model's output against this model on the evaluation samples (--data, or the original's own data)")
    String qualityAgainst;

    @picocli.CommandLine.Mixin
    DataOptions data;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!provider.equals("cpu") && !provider.equals("cuda")) throw new IllegalArgumentException("unknown provider '" + provider + "' (cpu or cuda)");
        List<OnnxModel> loaded = new ArrayList<>();
        for (String m : models) loaded.add(OnnxModel.load(ModelArgument.parse(m).model()));
        OrtRunner.RunnerSettings settings = new OrtRunner.RunnerSettings(threads, provider, "all");
        LatencyMeter meter = new LatencyMeter(settings, LatencyMeter.Protocol.DEFAULT);
        var out = spec.commandLine().getOut();
        out.printf("model %s  provider %s  intra-op threads %d  inter-op 1  optimization all  %s%n",
                String.join(", ", loaded.stream().map(BenchCommand::name).toList()), provider, threads,
                System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        if (qualityAgainst != null) {
            ModelArgument ref = ModelArgument.parse(qualityAgainst);
            OnnxModel original = OnnxModel.load(ref.model());
            var split = data.resolve(ref, original, shape.resolve(original.proto().getGraph()));
            QualityEvaluator quality = new QualityEvaluator(original, split.evaluation(), settings);
            for (OnnxModel m : loaded) {
                var q = quality.evaluate(m);
                out.printf("quality %s  %s %.4f (worst %.4f)%s on %d samples of %s%n", name(m), q.metric(), q.fidelity(), q.worstCase(),
                        q.accuracy() == null ? "" : String.format("  accuracy %.4f", q.accuracy()), q.samples(), split.evaluation().description());
            }
        }
        List<List<Double>> medians = new ArrayList<>();
        loaded.forEach(m -> medians.add(new ArrayList<>()));
        for (int round = 0; round < repeat; round++)
            for (int i = 0; i < loaded.size(); i++) {
                OnnxModel m = loaded.get(i);
                var input = SyntheticInputs.generate(m, shape.resolve(m.proto().getGraph()), 1234);
                LatencyStats s = meter.measure(m, input);
                medians.get(i).add(s.medianMs());
                out.printf("%smedian %.3f ms  p90 %.3f ms  mean %.3f ms  std %.3f ms  min %.3f ms  runs %d (+%d warm-up)  input %s%n",
                        loaded.size() > 1 ? name(m) + "  " : "", s.medianMs(), s.p90Ms(), s.meanMs(), s.stdMs(), s.minMs(), s.runs(), s.warmupRuns(), s.shape());
            }
        if (repeat > 1)
            for (int i = 0; i < loaded.size(); i++) {
                List<Double> v = medians.get(i).stream().sorted().toList();
                double lo = v.getFirst(), hi = v.getLast(), mid = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
                if (loaded.size() == 1) out.printf("spread of medians over %d measurements: %.2f%%%n", repeat, (hi - lo) / lo * 100);
                else out.printf("%s  median of %d medians %.3f ms, spread %.2f%%%n", name(loaded.get(i)), repeat, mid, (hi - lo) / lo * 100);
            }
        return 0;
    }

    private static String name(OnnxModel m) {
        return m.source() == null ? "model" : m.source().getFileName().toString();
    }
}
