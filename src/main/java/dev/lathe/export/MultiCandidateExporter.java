package dev.lathe.export;

import dev.lathe.config.Studies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Study;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.StudyStorage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Exports several candidates into one folder: each into its own {@code candidate-<id>/} (model.onnx,
 * report.json, report.html, pareto.svg, as {@link CandidateExporter} writes and verifies them), plus an
 * {@code index.html} linking them with the study's scatter (the exported ones ringed) and that scatter as
 * {@code pareto.svg}. Nothing is ever overwritten: if any of those names already exists in the folder the export
 * is refused before anything is built, naming what is there. Everything is staged in a hidden folder and moved
 * in only after every candidate passed its check, so a failure leaves the folder as it was.
 */
public final class MultiCandidateExporter {
    public static final String INDEX_FILE = "index.html";
    public static final String PLOT_FILE = HtmlReport.PLOT_FILE;

    public record Result(Path dir, List<CandidateExporter.Result> candidates, Path index, Path plot) {}

    /** Reports progress: {@code done} of {@code total} candidates exported, the next one's id. */
    public interface Progress {
        void exporting(int done, int total, long nextId);
    }

    private MultiCandidateExporter() {}

    /** The sub-folder one candidate is exported into. */
    public static String folderName(long id) {
        return "candidate-" + id;
    }

    /** The names in {@code dir} an export of {@code ids} would write that already exist (empty: the export can go ahead). */
    public static List<String> conflicts(Path dir, List<Long> ids) {
        List<String> names = new ArrayList<>();
        for (long id : ids) names.add(folderName(id));
        names.add(INDEX_FILE);
        names.add(PLOT_FILE);
        return names.stream().filter(n -> Files.exists(dir.resolve(n))).toList();
    }

    public static Result export(StudyStorage store, List<Long> candidateIds, Path outDir) throws Exception {
        return export(store, candidateIds, outDir, (done, total, next) -> {});
    }

    public static Result export(StudyStorage store, List<Long> candidateIds, Path outDir, Progress progress) throws Exception {
        List<Long> ids = List.copyOf(new LinkedHashSet<>(candidateIds));
        if (ids.isEmpty()) throw new ExportException("no candidates to export");
        Study all = Studies.read(store);
        Map<Long, CandidateRecord> byId = new java.util.HashMap<>();
        for (CandidateRecord c : all.trials()) byId.put(c.id(), c);
        for (long id : ids) {
            CandidateRecord c = byId.get(id);
            if (c == null) throw new ExportException("study " + store.file().getFileName() + " has no candidate " + id);
            if (!c.isDone()) throw new ExportException("candidate " + id + " is " + c.status().id() + ", only measured candidates can be exported");
        }
        List<String> taken = conflicts(outDir, ids);
        if (!taken.isEmpty())
            throw new ExportException(outDir + " already holds " + String.join(", ", taken) + "; exports never overwrite, choose another or an empty folder");

        Files.createDirectories(outDir);
        Path staging = Files.createTempDirectory(outDir, ".lathe-export-");
        try {
            List<HtmlReport.IndexEntry> entries = new ArrayList<>();
            List<CandidateExporter.Result> staged = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                long id = ids.get(i);
                progress.exporting(i, ids.size(), id);
                CandidateExporter.Result r = CandidateExporter.export(store, id, staging.resolve(folderName(id)), false);
                staged.add(r);
                entries.add(new HtmlReport.IndexEntry(byId.get(id), folderName(id), r.reloadedQuality()));
            }
            String model = store.origin().map(StudyOrigin::modelPath).map(p -> Path.of(p).getFileName().toString()).orElse("model");
            Files.writeString(staging.resolve(INDEX_FILE), HtmlReport.renderIndex(entries, all, model, store.file().getFileName().toString()));
            String metric = byId.get(ids.get(0)).qualityMetric();
            Files.writeString(staging.resolve(PLOT_FILE), ParetoScatter.paretoSvg(all, ids, metric));
            // Checked again just before the move: a folder made meanwhile is still not replaced (the move would fail on it).
            List<String> late = conflicts(outDir, ids);
            if (!late.isEmpty()) throw new ExportException(outDir + " now holds " + String.join(", ", late) + "; nothing was written");
            List<CandidateExporter.Result> results = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                String name = folderName(ids.get(i));
                Files.move(staging.resolve(name), outDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                CandidateExporter.Result r = staged.get(i);
                Path dir = outDir.resolve(name);
                results.add(new CandidateExporter.Result(dir.resolve(r.model().getFileName()), dir.resolve(r.report().getFileName()),
                        r.recordedQuality(), r.reloadedQuality(), dir.resolve(r.htmlReport().getFileName())));
            }
            Files.move(staging.resolve(PLOT_FILE), outDir.resolve(PLOT_FILE), StandardCopyOption.ATOMIC_MOVE);
            Files.move(staging.resolve(INDEX_FILE), outDir.resolve(INDEX_FILE), StandardCopyOption.ATOMIC_MOVE);
            progress.exporting(ids.size(), ids.size(), -1);
            return new Result(outDir, List.copyOf(results), outDir.resolve(INDEX_FILE), outDir.resolve(PLOT_FILE));
        } finally {
            deleteQuietly(staging);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try { Files.deleteIfExists(p); } catch (IOException ignored) { /* best effort clean-up of staging */ }
            });
        } catch (IOException ignored) {
            // staging folder already gone
        }
    }
}
