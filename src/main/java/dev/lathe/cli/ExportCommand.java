package dev.lathe.cli;

import dev.lathe.export.CandidateExporter;
import dev.lathe.study.StudyStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", description = "Rebuild a candidate from the original model, verify it, and write DIR/model.onnx, DIR/report.json and its readable view DIR/report.html.")
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, paramLabel = "FILE.sqlite") Path study;

    @Option(names = "--candidate", required = true, paramLabel = "ID") long candidate;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

    @Option(names = "--force", description = "overwrite model.onnx/report.json/report.html already in DIR") boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (StudyStore store = StudyStore.openExisting(study)) {
            CandidateExporter.Result r = CandidateExporter.export(store, candidate, out, force);
            spec.commandLine().getOut().printf("Wrote %s, %s and %s (quality %.4f reloaded, %.4f recorded)%n", r.model(), r.report(), r.htmlReport(),
                    r.reloadedQuality(), r.recordedQuality());
        }
        return 0;
    }
}
