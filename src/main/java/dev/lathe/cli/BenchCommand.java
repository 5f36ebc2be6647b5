package dev.lathe.cli;

import dev.lathe.eval.LatencyMeter;
import dev.lathe.eval.LatencyStats;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.SyntheticInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "bench", description = "Time a model the way the search measures candidates, and print the statistics and settings.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL") String model;

    @Option(names = "--threads", defaultValue = "1") int threads;

    @Option(names = "--provider", defaultValue = "cpu", description = "cpu or cuda") String provider;

    @Option(names = "--repeat", defaultValue = "1", description = "measure this many times in a row and report the spread of medians") int repeat;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!provider.equals("cpu") && !provider.equals("cuda")) throw new IllegalArgumentException("unknown provider '" + provider + "' (cpu or cuda)");
        OnnxModel m = OnnxModel.load(ModelArgument.parse(model).model());
        var input = SyntheticInputs.generate(m, shape.resolve(m.proto().getGraph()), 1234);
        LatencyMeter meter = new LatencyMeter(new OrtRunner.RunnerSettings(threads, provider, "all"), LatencyMeter.Protocol.DEFAULT);
        var out = spec.commandLine().getOut();
        out.printf("model %s  provider %s  intra-op threads %d  inter-op 1  optimization all  %s%n", m.source().getFileName(), provider, threads, 
                System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        double lo = Double.MAX_VALUE, hi = 0;
        for (int i = 0; i < repeat; i++) {
            LatencyStats s = meter.measure(m, input);
            lo = Math.min(lo, s.medianMs());
            hi = Math.max(hi, s.medianMs());
            out.printf("median %.3f ms  p90 %.3f ms  mean %.3f ms  std %.3f ms  min %.3f ms  runs %d (+%d warm-up)  input %s%n",
                    s.medianMs(), s.p90Ms(), s.meanMs(), s.stdMs(), s.minMs(), s.runs(), s.warmupRuns(), s.shape());
        }
        if (repeat > 1) out.printf("spread of medians over %d measurements: %.2f%%%n", repeat, (hi - lo) / lo * 100);
        return 0;
    }
}
