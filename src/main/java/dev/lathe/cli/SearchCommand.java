package dev.lathe.cli;

import dev.lathe.search.ParetoFront;
import dev.lathe.search.PrecisionChoices;
import dev.lathe.search.SearchRunner;
import dev.lathe.search.SearchSettings;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.StudyStore;
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

    @Option(names = "--threads", defaultValue = "1", description = "intra-op threads for timing (default ${DEFAULT-VALUE})") int threads;

    @Option(names = "--data", paramLabel = "FILE", description = ".csv (flattened samples, optional label column) or .txt (one sentence per line)") Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "HuggingFace tokenizer.json for text data") Path tokenizer;

    @Option(names = "--population", defaultValue = "12", description = "NSGA-II population (default ${DEFAULT-VALUE})") int population;

    @Option(names = "--strategy", defaultValue = "nsga2", description = "nsga2 or random (default ${DEFAULT-VALUE})") String strategy;

    @Option(names = "--criterion", defaultValue = "activation", description = "unit ranking: activation (calibration-aware), sensitivity (output change per removed head or unit, groups up to 64 units) or magnitude (default ${DEFAULT-VALUE})") String criterion;

    @Option(names = "--repair", defaultValue = "lstsq", description = "after pruning: lstsq (refit the next layer on calibration data) or none (default ${DEFAULT-VALUE})") String repair;

    @Option(names = "--precisions", split = ",", paramLabel = "P",
            description = "precisions layers may take besides float32, each for the operators that support it: int8, int8_static, int4_b32, int4_b64, int4_b128, fp16 (default: int8 for MatMul/Gemm, int8_static for Conv)")
    List<String> precisions;

    @Option(names = "--sensitivity-samples", defaultValue = "32",
            description = "calibration samples each layer's sensitivity is scored on before the search, to seed it and steer mutation (0: off; default ${DEFAULT-VALUE})")
    int sensitivitySamples;

    @picocli.CommandLine.Mixin
    QuantizationCliOptions quantization;

    @Option(names = "--quick", description = "shorter timing protocol (3 warm-up, at least 10 runs / 0.3 s) for smoke runs") boolean quick;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ModelArgument m = ModelArgument.parse(model);
        Path dataFile = data != null ? data : m.defaultData();
        Path tok = tokenizer != null ? tokenizer : m.defaultTokenizer();
        java.util.Map<String, java.util.List<Long>> fixed = new java.util.LinkedHashMap<>();
        if (!shape.shapes.isEmpty())
            shape.fixed(dev.lathe.model.OnnxModel.load(m.model()).proto().getGraph())
                    .forEach((k, v) -> fixed.put(k, java.util.Arrays.stream(v).boxed().toList()));
        SearchSettings settings = new SearchSettings(budget, seed, threads, shape.batch, shape.seqLen, population, strategy,
                dataFile == null ? null : dataFile.toAbsolutePath().toString(), tok == null ? null : tok.toAbsolutePath().toString(), quick,
                criterion, repair, fixed);
        PrecisionChoices choices = precisions == null ? PrecisionChoices.DEFAULT
                : PrecisionChoices.of(precisions.stream().map(dev.lathe.transform.Precision::parse).toList());
        settings = settings.withPrecisions(choices, quantization.options(), sensitivitySamples);
        PrintWriter out = spec.commandLine().getOut();
        boolean console = System.console() != null;
        try (StudyStore store = StudyStore.open(study)) {
            SearchRunner runner = new SearchRunner(m.model(), settings, store, new SearchRunner.Listener() {
                @Override
                public void message(String text) { out.println(text); }

                @Override
                public void started(int measured, int total) {
                    out.printf("%s %d of %d candidates already measured%n", measured > 0 ? "Resuming:" : "Starting:", measured, total);
                }

                @Override
                public void candidateFinished(CandidateRecord c, int measured, int total, double secondsLeft) {
                    String figures = c.isDone()
                            ? String.format("%.3f ms  %s %.4f  %,d bytes", c.latencyMs(), c.qualityMetric(), c.quality(), c.sizeBytes())
                            : "FAILED " + c.error();
                    out.printf("[%d/%d] #%d %s  ~%s left%s", measured, total, c.id(), figures, duration(secondsLeft), console ? "\n" : "\n");
                    out.flush();
                }
            });
            Thread hook = new Thread(runner::requestStop);
            Runtime.getRuntime().addShutdownHook(hook);
            SearchRunner.Outcome o = runner.run();
            try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException ignored) { /* shutting down */ }
            out.printf("%s: %d of %d candidates measured in %s (this run)%n", o.stopped() ? "Stopped" : "Done", o.measured(), o.budget(), duration(o.wallSeconds()));
            printFront(out, store.all());
        }
        return 0;
    }

    static void printFront(PrintWriter out, List<CandidateRecord> all) {
        List<CandidateRecord> front = ParetoFront.front(all);
        Double base = CandidatesCommand.originalLatency(all);
        out.println("Pareto front (" + front.size() + " candidates):");
        out.printf("  %5s %11s %9s %10s %14s  %s%n", "id", "latency_ms", "speed-up", "quality", "size_bytes", "metric");
        for (CandidateRecord c : front)
            out.printf("  %5d %11.3f %9s %10.4f %,14d  %s%n", c.id(), c.latencyMs(),
                    base == null ? "-" : String.format("%.2fx", base / c.latencyMs()), c.quality(), c.sizeBytes(), c.qualityMetric());
    }

    static String duration(double s) {
        if (s < 60) return String.format("%.0f s", s);
        if (s < 3600) return String.format("%d min %02d s", (int) s / 60, (int) s % 60);
        return String.format("%d h %02d min", (int) s / 3600, ((int) s % 3600) / 60);
    }
}
