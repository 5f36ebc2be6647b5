package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.config.Studies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Study;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.study.StudyStorage;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes every candidate of a study as one CSV row (RFC 4180, quoted where needed): identity and genome,
 * the full latency statistics, every quality figure, size, timings and the error of a failed candidate. Numbers
 * are written in full precision, empty where not measured. The file appears whole or not at all, and an
 * existing file is replaced only when asked.
 */
public final class StudyCsvExporter {
    /** The header, in column order. */
    public static final List<String> COLUMNS = List.of(
            "id", "status", "pareto", "origin", "generation", "genome", "pruned_groups", "reduced_precision_layers", "dropped_blocks",
            "latency_ms", "latency_p90_ms", "latency_mean_ms", "latency_std_ms", "latency_min_ms", "latency_runs", "latency_clock",
            "latency_wall_median_ms", "latency_cpu_median_ms", "threads",
            "provider", "input_shape", "speedup", "quality", "quality_metric", "fidelity", "fidelity_worst", "accuracy",
            "top5_accuracy", "kl_divergence", "kl_divergence_worst", "perplexity", "perplexity_original", "eval_samples", "size_bytes", "parameters", "eval_seconds",
            "error", "created_at", "finished_at");

    private static final ObjectMapper JSON = new ObjectMapper();

    private StudyCsvExporter() {}

    /** Writes the study's candidates to {@code out}; returns how many rows were written. */
    public static int write(StudyStorage store, Path out, boolean overwrite) throws IOException {
        Study all = Studies.read(store);
        if (!overwrite && Files.exists(out))
            throw new ExportException(out + " already exists; choose another file or allow overwriting");
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path staging = Files.createTempFile(dir, "." + abs.getFileName(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(staging, StandardCharsets.UTF_8)) {
                write(all, w);
            }
            if (overwrite) Files.move(staging, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            else Files.move(staging, abs); // fails rather than replace a file that appeared meanwhile
        } catch (FileAlreadyExistsException e) {
            throw new ExportException(out + " already exists; choose another file or allow overwriting");
        } finally {
            Files.deleteIfExists(staging);
        }
        return all.trials().size();
    }

    /**
     * Writes the header and one row per candidate, in study order: {@code pareto} is the study's own front
     * ({@link Study#front()}: its objective, its constraints) and {@code speedup} the study's speed-up.
     */
    public static void write(Study study, Appendable out) throws IOException {
        Set<Long> front = study.frontIds();
        try (CSVPrinter p = new CSVPrinter(out, CSVFormat.RFC4180.builder().setHeader(COLUMNS.toArray(String[]::new)).get())) {
            for (CandidateRecord c : study.trials()) p.printRecord(row(c, front.contains(c.id()), study.speedup(c)));
        }
    }

    /** One candidate's cells in {@link #COLUMNS} order (null cells print empty). */
    static List<Object> row(CandidateRecord c, boolean onFront, Double speedup) {
        JsonNode latency = tree(c.latencyJson()), quality = tree(c.qualityJson());
        Genome g;
        try {
            g = GenomeJson.read(c.genomeJson());
        } catch (IllegalArgumentException e) {
            g = null;
        }
        List<Object> r = new ArrayList<>(COLUMNS.size());
        r.add(c.id());
        r.add(c.status().id());
        r.add(onFront);
        r.add(c.origin());
        r.add(c.generation());
        r.add(c.genomeJson());
        r.add(g == null ? null : g.keepRatios().values().stream().filter(v -> v < 1.0).count());
        r.add(g == null ? null : g.precisions().size());
        r.add(g == null ? null : g.droppedBlocks().size());
        r.add(c.latencyMs());
        r.add(c.latencyP90Ms());
        r.add(number(latency, "meanMs"));
        r.add(number(latency, "stdMs"));
        r.add(number(latency, "minMs"));
        r.add(integer(latency, "runs"));
        r.add(latency == null ? null : text(latency, "clock") == null ? "wall" : text(latency, "clock"));
        r.add(number(latency, "wallMedianMs"));
        r.add(number(latency, "cpuMedianMs"));
        r.add(integer(latency, "threads"));
        r.add(text(latency, "provider"));
        r.add(text(latency, "shape"));
        r.add(speedup);
        r.add(c.quality());
        r.add(c.qualityMetric());
        r.add(c.fidelity());
        r.add(number(quality, "worstCase"));
        r.add(c.accuracy());
        r.add(number(quality, "top5Accuracy"));
        r.add(number(quality, "klDivergence"));
        r.add(number(quality, "worstKlDivergence"));
        r.add(number(quality, "perplexity")); // a language model's, on its evaluation text
        r.add(number(quality, "originalPerplexity"));
        r.add(integer(quality, "samples"));
        r.add(c.sizeBytes());
        r.add(c.parameters());
        r.add(c.evalSeconds());
        r.add(c.error());
        r.add(c.createdAt());
        r.add(c.finishedAt());
        return r;
    }

    private static JsonNode tree(String json) {
        if (json == null || json.isBlank()) return null;
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return null; // a column this version cannot read: its figures stay empty
        }
    }

    private static Double number(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || !v.isNumber() ? null : v.asDouble();
    }

    private static Long integer(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || !v.isNumber() ? null : v.asLong();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n == null ? null : n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
