package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.study.DistilledCandidate;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.distill.DistillationSettings;
import dev.lathe.transform.distill.Distiller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * "Distill and export" as a user meets it, from the command line and the window alike: distils a study candidate
 * with {@link DistilledExporter} into a staging folder beside {@code out}, renames the staging folder to {@code out}
 * once everything in it is written and checked, and records the figures in the study's {@code distilled_candidates},
 * apart from the candidate's measured ones. An existing non-empty {@code out} is refused before any work, so nothing
 * the user has is overwritten; a failed or stopped run leaves no {@code out} and no staging folder.
 */
public final class DistilledStudyExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was written and what the study now holds. */
    public record Result(Path model, Path report, DistilledCandidate recorded, DistilledExporter.Result distillation) {}

    private DistilledStudyExport() {}

    public static Result run(StudyStorage store, long candidateId, Path data, Path tokenizer, DistillationSettings settings, Path out,
                             Distiller.Progress progress) throws Exception {
        refuseExisting(out);
        Path target = out.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        // Beside the target, so the final rename stays on one file system and is atomic.
        Path staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".lathe-staging-");
        try {
            DistilledExporter.Result r = DistilledExporter.export(store, candidateId, data, tokenizer, settings, staging, false, progress);
            JsonNode report = JSON.readTree(Files.readString(r.report()));
            refuseExisting(out); // the folder may have appeared while training ran
            if (Files.isDirectory(target)) Files.delete(target); // empty, as just checked
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            Path model = target.resolve(r.model().getFileName()), reportFile = target.resolve(r.report().getFileName());
            DistilledCandidate recorded = store.recordDistilled(DistilledCandidate.of(candidateId,
                    JSON.writeValueAsString(report.path("distillation_settings")), report.at("/data/training_fingerprint").asText(null),
                    r.distillation().steps(), r.qualityMetric(), r.qualityBefore(), r.qualityAfter(), null,
                    report.has("size_bytes") ? report.get("size_bytes").asLong() : Files.size(model), target.toString()));
            return new Result(model, reportFile, recorded, r);
        } finally {
            deleteTree(staging);
        }
    }

    /** Refuses a folder that exists and holds anything, or a path that is a file. */
    public static void refuseExisting(Path out) {
        if (Files.isRegularFile(out)) throw new ExportException(out + " is a file; --out names a folder to create");
        if (!Files.isDirectory(out)) return;
        try (Stream<Path> entries = Files.list(out)) {
            if (entries.findAny().isPresent())
                throw new ExportException(out + " already exists and is not empty; choose a new folder (nothing in it was changed)");
        } catch (IOException e) {
            throw new ExportException("cannot read " + out, e);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
