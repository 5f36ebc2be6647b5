package dev.lathe.cli;

import dev.lathe.export.CandidateExporter;
import dev.lathe.export.MultiCandidateExporter;
import dev.lathe.study.storage.SqliteStudyStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "export", description = {
        "Rebuild a candidate from the original model, verify it, and write DIR/model.onnx, DIR/report.json, its readable view DIR/report.html and the study's plot DIR/pareto.svg.",
        "With several ids (--id 3,7,9), each goes into DIR/candidate-<id>/ and DIR/index.html links them; existing files are never overwritten."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, paramLabel = "FILE.sqlite") Path study;

    @Option(names = {"--candidate", "--id"}, required = true, split = ",", paramLabel = "ID",
            description = "the candidate to export, or several separated by commas (or the option repeated)") List<Long> candidates;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

    @Option(names = "--force", description = "overwrite model.onnx/report.json/report.html/pareto.svg already in DIR (one candidate only)") boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Long> ids = candidates.stream().distinct().toList();
        if (ids.size() > 1 && force)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--force works with one candidate only; several are exported into sub-folders that are never overwritten");
        var out = spec.commandLine().getOut();
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            if (ids.size() == 1) {
                CandidateExporter.Result r = CandidateExporter.export(store, ids.get(0), this.out, force);
                out.printf("Wrote %s, %s and %s (quality %.4f reloaded, %.4f recorded)%n", r.model(), r.report(), r.htmlReport(),
                        r.reloadedQuality(), r.recordedQuality());
                return 0;
            }
            MultiCandidateExporter.Result r = MultiCandidateExporter.export(store, ids, this.out,
                    (done, total, next) -> { if (next >= 0) out.printf("Exporting candidate %d (%d of %d)%n", next, done + 1, total); });
            for (CandidateExporter.Result c : r.candidates())
                out.printf("Wrote %s (quality %.4f reloaded, %.4f recorded)%n", c.model().getParent(), c.reloadedQuality(), c.recordedQuality());
            out.printf("Wrote %s and %s%n", r.index(), r.plot());
        }
        return 0;
    }
}
