package dev.lathe.cli;

import dev.lathe.export.DistilledExporter;
import dev.lathe.export.DistilledStudyExport;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "distill", description = {
        "Distil one study candidate against the original on unlabeled data (its weights trained by gradient descent on the ONNX graph itself),",
        "then export it through a staging folder renamed to DIR at the end: DIR/model.onnx with the original's signature and DIR/report.json with the settings, data fingerprint, loss curve and quality before and after.",
        "The figures are recorded in the study's distilled candidates, apart from the measured ones (see `candidates`)."})
final class DistillCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, paramLabel = "FILE.sqlite") Path study;

    @Option(names = {"--candidate", "--id"}, required = true, paramLabel = "ID") long candidate;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "training data (text, images, .npy/.npz, .csv); its calibration part trains, its evaluation part scores") Path data;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "HuggingFace tokenizer.json for text data") Path tokenizer;

    static final class Budget {
        @Option(names = "--steps", paramLabel = "N", description = "optimizer steps") Integer steps;

        @Option(names = "--minutes", paramLabel = "M", description = "time limit, the schedule planned from the first steps' speed") Double minutes;
    }

    @ArgGroup(exclusive = true) Budget budget = new Budget();

    @Option(names = "--seed", defaultValue = "1") long seed;

    @Option(names = "--lr", defaultValue = "5e-5", paramLabel = "RATE", description = "peak learning rate (default ${DEFAULT-VALUE})") double learningRate;

    @Option(names = "--batch", defaultValue = "16", paramLabel = "N", description = "samples per step (default ${DEFAULT-VALUE})") int batch;

    @Option(names = "--hidden-states", defaultValue = "0", paramLabel = "WEIGHT",
            description = "also match the hidden states at the kept layers' boundaries, with this weight against the output loss (1 is a good start; default ${DEFAULT-VALUE}: outputs only)")
    double hiddenStates;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "a new (or empty) folder; an existing non-empty one is refused, so nothing in it is overwritten") Path out;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DistillationSettings settings = budget.minutes != null ? DistillationSettings.minutes(budget.minutes, seed)
                : DistillationSettings.steps(budget.steps != null ? budget.steps : 300, seed);
        settings = settings.withLearningRate(learningRate).withBatchSize(batch).withHiddenStateWeight(hiddenStates);
        var o = spec.commandLine().getOut();
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            DistilledStudyExport.Result written = DistilledStudyExport.run(store, candidate, data, tokenizer, settings, out, (step, planned, loss, ms) -> {
                if (step == 1 || step % 25 == 0 || step == planned) {
                    o.printf("step %d/%d  loss %.5f  %.0f s%n", step, planned, loss, ms / 1000.0);
                    o.flush();
                }
                return true;
            });
            DistilledExporter.Result r = written.distillation();
            var d = r.distillation();
            o.printf("Distilled %d steps in %.1f min (%s); %s %.4f -> %.4f on the evaluation data%n", d.steps(), d.millis() / 60000.0,
                    d.stopReason(), r.qualityMetric(), r.qualityBefore(), r.qualityAfter());
            o.printf("Wrote %s and %s; recorded as distilled #%d of candidate %d in %s (apart from its measured figures)%n", written.model(),
                    written.report(), written.recorded().id(), candidate, study.getFileName());
        }
        return 0;
    }
}
