package dev.lathe.cli;

import dev.lathe.cli.options.Json;
import dev.lathe.explain.CandidateDiff;
import dev.lathe.explain.GraphSubject;
import dev.lathe.explain.StudyCandidates;
import dev.lathe.study.storage.SqliteStudyStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "diff", description = {
        "What differs between two candidates of a study, node by node: width (before → after), precision, dropped state, and the nodes only one has.",
        "Both are rebuilt from their genomes, as export does; the graph view's Compare with… shows the same."})
final class DiffCommand implements Callable<Integer> {
    @Option(names = "--study", required = true, paramLabel = "FILE.sqlite", description = "the study both candidates belong to") Path study;

    @Parameters(index = "0", paramLabel = "BEFORE", description = "the candidate compared from") long before;

    @Parameters(index = "1", paramLabel = "AFTER", description = "the candidate compared to") long after;

    @Option(names = "--json", description = "print one JSON object: before, after, counts and nodes (name, op, kinds, badge, text)") boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CandidateDiff diff;
        Map<String, String> ops = new LinkedHashMap<>();
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            StudyCandidates c = StudyCandidates.of(store);
            c.record(before);
            c.record(after);
            diff = GraphSubject.compared(c, before, after, c.config().data().inputShapes()).diff();
        }
        diff.display().getGraph().getNodeList().forEach(n -> ops.put(n.getName(), n.getOpType()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> nodes = new ArrayList<>();
            diff.differences().forEach((name, d) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("op", ops.get(name));
                m.put("kinds", d.kinds().stream().map(k -> k.name().toLowerCase(java.util.Locale.ROOT)).toList());
                m.put("badge", d.badge());
                m.put("text", d.text());
                nodes.add(m);
            });
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("before", before);
            o.put("after", after);
            Map<String, Integer> counts = new LinkedHashMap<>();
            diff.counts().forEach((k, v) -> counts.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
            o.put("counts", counts);
            o.put("nodes", nodes);
            out.println(Json.MAPPER.writeValueAsString(o));
        } else {
            out.printf("candidate #%d → #%d of %s: %d node(s) differ%n", before, after, study.getFileName(), diff.differences().size());
            int width = Math.min(48, diff.differences().keySet().stream().mapToInt(String::length).max().orElse(4));
            diff.differences().forEach((name, d) -> out.printf("%-" + width + "s  %-18s %s%n", name.length() <= width ? name : "…" + name.substring(name.length() - width + 1),
                    ops.get(name), d.text()));
        }
        out.flush();
        return 0;
    }
}
