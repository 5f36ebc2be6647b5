package dev.lathe.cli;

import dev.lathe.search.SearchRunner;
import dev.lathe.export.searchdistill.DistillShareStrategy;
import dev.lathe.export.searchdistill.FrontGainRanking;
import dev.lathe.export.searchdistill.SearchDistillation;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;

/** {@code search --distill-share F}: distil the most promising share of each generation, the figures kept apart. */
final class DistillShareOptions {
    @Option(names = "--distill-share", paramLabel = "F",
            description = "after each generation, distil up to F (0-1] times its size of the study's candidates most likely to improve the fronts "
                    + "at the quality bars (--distill-bars), on the study's data, a short budget each; "
                    + "the figures go to the study's distilled candidates, the measured ones stay as measured")
    Double share;

    @Option(names = "--distill-steps", defaultValue = "40", paramLabel = "N", description = "with --distill-share: steps per candidate (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--distill-lr", defaultValue = "5e-5", paramLabel = "RATE", description = "with --distill-share: peak learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--distill-steer", description = "with --distill-share: the strategy is told the distilled quality of the candidates distilled, "
            + "so it breeds from what distillation reaches (the study keeps the measured figures)")
    boolean steer;

    @Option(names = "--distill-bars", split = ",", paramLabel = "Q",
            description = "with --distill-share: the quality bars whose fronts distillation aims to improve (default 95%%, 98%% and 99%% of the best quality measured, plus --min-quality): "
                    + "it distils the candidates expected to cross a bar and then be faster than anything above it")
    java.util.List<Double> bars;

    @Option(names = "--distill-qat", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "with --distill-share: distil candidates with int8 layers quantization-aware, through straight-through fake int8 (default on; "
                    + "--no-distill-qat trains them in float)")
    boolean quantizationAware;

    void check(CommandLine cl, Path data) {
        if (share != null && data == null) throw new CommandLine.ParameterException(cl, "--distill-share needs data to train on (--data)");
        if (share != null && !(share > 0 && share <= 1))
            throw new CommandLine.ParameterException(cl, "--distill-share must be in (0, 1], got " + share);
        if (steer && share == null) throw new CommandLine.ParameterException(cl, "--distill-steer goes with --distill-share");
        if (bars != null && share == null) throw new CommandLine.ParameterException(cl, "--distill-bars goes with --distill-share");
        if (bars != null) for (double b : bars)
            if (!(b > 0 && b <= 1)) throw new CommandLine.ParameterException(cl, "--distill-bars: a quality bar must be in (0, 1], got " + b);
        if (steps < 1) throw new CommandLine.ParameterException(cl, "--distill-steps must be at least 1, got " + steps);
    }

    /** Wraps the runner's strategy when asked for; the step, for its summary, or null. */
    SearchDistillation wire(SearchRunner runner, StudyStorage store, Path data, Path tokenizer, long seed, PrintWriter out) {
        if (share == null) return null;
        SearchDistillation step = new SearchDistillation(store, data, tokenizer, DistillationSettings.steps(steps, seed).withLearningRate(learningRate),
                quantizationAware, line -> {
            out.println(line);
            out.flush();
        });
        double f = share;
        FrontGainRanking ranking = FrontGainRanking.of(bars, runner.config().constraints().minQuality());
        out.println("distillation aims at the fronts at quality " + ranking.describe());
        runner.decorateStrategy(s -> new DistillShareStrategy(s, f, step, steer, ranking));
        return step;
    }
}
