package dev.lathe.cli;

import dev.lathe.cli.options.ModelArgument;
import dev.lathe.cli.options.InputShapeOptions;
import dev.lathe.cli.options.DataOptions;
import dev.lathe.bench.Tabulator;
import dev.lathe.config.DataConfig;
import dev.lathe.config.MeasuringConfig;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.PrecisionConfig;
import dev.lathe.config.StudyConfig;
import dev.lathe.search.SearchRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Study;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "tabulate", description = "Measure a discretized search space into a table (an ordinary study file that states its levels) for benchmark-search; resumes if the table exists.")
final class TabulateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "ONNX file, or sample:NAME")
    String model;

    @Option(names = "--levels", required = true, paramLabel = "K", description = "values each group's keep ratio takes, evenly spaced over its range")
    int levels;

    @Option(names = "--sample", defaultValue = "500", paramLabel = "N",
            description = "measure the whole grid when it has at most N genomes, else N at random plus the corners (default ${DEFAULT-VALUE})")
    int sample;

    @Option(names = "--repeats", defaultValue = "3", paramLabel = "R", description = "timing repeats kept per genome (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--out", required = true, paramLabel = "TABLE.lathe", description = "the table file (created, or resumed)")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "order of measurement and, for a sampled grid, the sample") long seed;

    @Option(names = "--threads", defaultValue = "1", description = "intra-op threads for timing (default ${DEFAULT-VALUE})") int threads;

    @Option(names = "--clock", defaultValue = "wall", paramLabel = "wall|cpu", description = dev.lathe.cli.options.ClockOption.HELP + " Default: ${DEFAULT-VALUE}.")
    String clock;

    @Option(names = "--quick", description = "shorter timing protocol (median within ±5%%, at most 2 s per candidate)") boolean quick;

    @Option(names = "--in-process", description = "measure in this process instead of a worker process") boolean inProcess;

    @Option(names = "--precisions", split = ",", paramLabel = "P", description = "precisions layers may take besides float32 (as search)")
    List<String> precisions;

    @Option(names = "--layer-precisions", paramLabel = "LAYER=P[,P...]",
            description = "pin one layer to these precisions instead of the --precisions set; fp32 alone keeps it float32 (as search; repeatable)")
    List<String> layerPrecisions;

    @Option(names = "--keep-range", paramLabel = "KIND_OR_GROUP=MIN:MAX", description = "keep ratio range of a kind or group (as search; 1:1 keeps it whole)")
    List<String> keepRanges;

    @Option(names = "--min-keep", paramLabel = "R", description = "lowest keep ratio of every group without a --keep-range") Double minKeep;

    @Option(names = "--keep-block", paramLabel = "BLOCK", description = "never drop this removable block (repeatable)") List<String> keepBlocks;

    @picocli.CommandLine.Mixin
    DataOptions data;

    @picocli.CommandLine.Mixin
    InputShapeOptions shape;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (levels < 2) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--levels must be at least 2, got " + levels);
        if (repeats < 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--repeats must be at least 1, got " + repeats);
        ModelArgument m = ModelArgument.parse(model);
        Path dataFile = data.dataPath(m);
        Path tok = data.tokenizerPath(m);
        PrecisionChoices choices = precisions == null ? PrecisionChoices.DEFAULT
                : PrecisionChoices.of(precisions.stream().map(dev.lathe.transform.genome.Precision::parse).toList());
        StudyConfig d = StudyConfig.defaults();
        StudyConfig asked;
        try {
            choices = SearchCommand.pinLayers(choices, layerPrecisions);
            asked = d.with(new DataConfig(dataFile == null ? null : dataFile.toAbsolutePath().toString(), tok == null ? null : tok.toAbsolutePath().toString(),
                            shape.batch, shape.seqLen, java.util.Map.of(), null, null))
                    .with(PrecisionConfig.of(choices, d.precision().quantization(), 0))
                    .with(new MeasuringConfig(d.measuring().provider(), dev.lathe.cli.options.ClockOption.parse(spec.commandLine(), clock), threads, quick, d.measuring().tolerancePct(), d.measuring().referenceEvery(),
                            d.measuring().referenceMinutes(), d.measuring().objective(), !inProcess, d.measuring().timeoutSeconds(), null))
                    .with(SearchCommand.keepRanges(keepRanges, minKeep, keepBlocks));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PrintWriter o = spec.commandLine().getOut();
        SearchRunner.Outcome outcome = Tabulator.run(m.model(), asked, levels, sample, repeats, seed, out, new SearchRunner.Listener() {
            @Override
            public void message(String text) { o.println(text); }

            @Override
            public void candidateFinished(CandidateRecord c, Study study, int measured, int total, double secondsLeft) {
                o.printf("[%d/%d] #%d %s%n", measured, total, c.id(), c.isDone()
                        ? String.format("%.3f ms  %s %.4f", c.latencyMs(), c.qualityMetric(), c.quality()) : "FAILED " + c.error());
                o.flush();
            }
        });
        o.printf("Table %s: %d of %d genomes measured in %.0f s%n", out, outcome.measured(), outcome.budget(), outcome.wallSeconds());
        return 0;
    }
}
