package dev.lathe.cli;

import dev.lathe.search.SearchRunner;
import dev.lathe.export.searchdistill.DistillShareStrategy;
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
            description = "distil the most promising share F (0-1] of each generation's measured candidates on the study's data, a short budget each; "
                    + "the figures go to the study's distilled candidates, the measured ones stay as measured")
    Double share;

    @Option(names = "--distill-steps", defaultValue = "40", paramLabel = "N", description = "with --distill-share: steps per candidate (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--distill-lr", defaultValue = "5e-5", paramLabel = "RATE", description = "with --distill-share: peak learning rate (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--distill-steer", description = "with --distill-share: the strategy is told the distilled quality of the candidates distilled, "
            + "so it breeds from what distillation reaches (the study keeps the measured figures)")
    boolean steer;

    void check(CommandLine cl, Path data) {
        if (share != null && data == null) throw new CommandLine.ParameterException(cl, "--distill-share needs data to train on (--data)");
        if (share != null && !(share > 0 && share <= 1))
            throw new CommandLine.ParameterException(cl, "--distill-share must be in (0, 1], got " + share);
        if (steer && share == null) throw new CommandLine.ParameterException(cl, "--distill-steer goes with --distill-share");
        if (steps < 1) throw new CommandLine.ParameterException(cl, "--distill-steps must be at least 1, got " + steps);
    }

    /** Wraps the runner's strategy when asked for; the step, for its summary, or null. */
    SearchDistillation wire(SearchRunner runner, StudyStorage store, Path data, Path tokenizer, long seed, PrintWriter out) {
        if (share == null) return null;
        SearchDistillation step = new SearchDistillation(store, data, tokenizer, DistillationSettings.steps(steps, seed).withLearningRate(learningRate), line -> {
            out.println(line);
            out.flush();
        });
        double f = share;
        runner.decorateStrategy(s -> new DistillShareStrategy(s, f, step, steer));
        return step;
    }
}
