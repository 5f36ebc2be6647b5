package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestStudies;
import dev.lathe.cli.LatheCommand;
import dev.lathe.config.Studies;
import dev.lathe.study.Study;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** A real study (a short digits search plus a failed candidate whose error needs quoting) written as CSV and read back. */
class StudyCsvExporterTest {
    /** An error text with everything CSV must quote: commas, double quotes, a line break. */
    static final String AWKWARD_ERROR = "ONNX Runtime said: \"bad shape, [1, 64]\"\nsecond line, with a comma";

    @TempDir
    static Path dir;
    static Path study;

    @BeforeAll
    static void search() throws Exception {
        study = TestStudies.copyOfDigitsMlp(dir.resolve("mlp.sqlite")); // a failed candidate is added to it
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            CandidateRecord failed = store.addPending("{\"keep\":{\"bogus\":0.5},\"int8\":[]}", "manual", 9);
            store.recordFailed(failed.id(), AWKWARD_ERROR);
        }
    }

    @Test
    void everyCandidateComesBackFromTheCsvWithItsFigures() throws Exception {
        Path out = dir.resolve("rows/mlp.csv");
        List<CandidateRecord> stored;
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            stored = store.all();
            assertEquals(stored.size(), StudyCsvExporter.write(store, out, false));
        }
        assertTrue(stored.stream().anyMatch(CandidateRecord::isDone) && stored.stream().anyMatch(c -> c.error() != null));
        Study read;
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            read = Studies.read(store);
        }
        Set<Long> front = read.frontIds();
        assertTrue(read.original().isPresent(), "the search measures the original");

        List<CSVRecord> rows = read(out);
        assertEquals(stored.size(), rows.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < rows.size(); i++) {
            CSVRecord r = rows.get(i);
            CandidateRecord c = stored.get(i);
            assertEquals(c.id(), Long.parseLong(r.get("id")));
            assertEquals(c.status().id(), r.get("status"));
            assertEquals(front.contains(c.id()), Boolean.parseBoolean(r.get("pareto")));
            assertEquals(c.origin(), r.get("origin"));
            assertEquals(c.generation(), Integer.parseInt(r.get("generation")));
            assertEquals(c.genomeJson(), r.get("genome"));
            assertEquals(c.latencyMs(), number(r, "latency_ms"));
            assertEquals(c.latencyP90Ms(), number(r, "latency_p90_ms"));
            if (c.isDone()) {
                assertEquals("wall", r.get("latency_clock"), "the default clock is named");
                assertEquals(c.latencyMs(), number(r, "latency_wall_median_ms"), "on the wall clock the median is the wall median");
            }
            assertEquals(c.quality(), number(r, "quality"));
            assertEquals(c.qualityMetric(), blankToNull(r.get("quality_metric")));
            assertEquals(c.fidelity(), number(r, "fidelity"));
            assertEquals(c.accuracy(), number(r, "accuracy"));
            assertEquals(c.sizeBytes(), c.sizeBytes() == null ? null : Long.parseLong(r.get("size_bytes")));
            assertEquals(c.parameters(), c.parameters() == null ? null : Long.parseLong(r.get("parameters")));
            assertEquals(c.evalSeconds(), number(r, "eval_seconds"));
            assertEquals(c.error(), blankToNull(r.get("error")));
            assertEquals(c.createdAt(), r.get("created_at"));
            if (c.isDone()) {
                JsonNode latency = json.readTree(c.latencyJson());
                assertEquals(latency.get("meanMs").asDouble(), number(r, "latency_mean_ms"));
                assertEquals(latency.get("runs").asLong(), Long.parseLong(r.get("latency_runs")));
                assertEquals(latency.get("shape").asText(), r.get("input_shape"));
                assertEquals(json.readTree(c.qualityJson()).get("worstCase").asDouble(), number(r, "fidelity_worst"));
                assertEquals(read.speedup(c), number(r, "speedup"), "the study's speed-up");
                if (Study.isOriginal(c)) assertEquals(1.0, number(r, "speedup"), "the original's is 1 by definition");
            } else {
                assertEquals("", r.get("latency_ms"), "figures of an unmeasured candidate stay empty");
            }
        }
        CSVRecord failed = rows.getLast();
        assertEquals("failed", failed.get("status"));
        assertEquals(AWKWARD_ERROR, failed.get("error"));
    }

    @Test
    void anExistingFileIsReplacedOnlyWhenAsked() throws Exception {
        Path out = dir.resolve("mine.csv");
        Files.writeString(out, "the user's own notes");
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            ExportException e = assertThrows(ExportException.class, () -> StudyCsvExporter.write(store, out, false));
            assertTrue(e.getMessage().contains(out.toString()), e.getMessage());
            assertEquals("the user's own notes", Files.readString(out));
            StudyCsvExporter.write(store, out, true);
        }
        assertEquals(StudyCsvExporter.COLUMNS, read(out).getFirst().getParser().getHeaderNames());
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no staging file left behind");
        }
    }

    @Test
    void candidatesCommandWritesTheCsv() throws Exception {
        Path out = dir.resolve("cli.csv");
        StringWriter o = new StringWriter(), e = new StringWriter();
        int code = LatheCommand.execute(new PrintWriter(o, true), new PrintWriter(e, true), "candidates", "--study", study.toString(), "--csv", out.toString());
        assertEquals(0, code, e.toString());
        int rows = read(out).size();
        assertEquals("Wrote " + rows + " candidates to " + out, o.toString().strip());
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertEquals(store.all().size(), rows);
        }
        // Again: refused without --force, with one line naming the file.
        StringWriter e2 = new StringWriter();
        assertEquals(1, LatheCommand.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(e2, true),
                "candidates", "--study", study.toString(), "--csv", out.toString()));
        assertTrue(e2.toString().contains(out.toString()) && e2.toString().contains("already exists"), e2.toString());
        assertEquals(0, LatheCommand.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true),
                "candidates", "--study", study.toString(), "--csv", out.toString(), "--force"));
    }

    static List<CSVRecord> read(Path csv) throws Exception {
        try (Reader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
             CSVParser p = CSVParser.builder().setReader(r).setFormat(CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get()).get()) {
            return p.getRecords();
        }
    }

    private static Double number(CSVRecord r, String column) {
        String v = r.get(column);
        return v.isEmpty() ? null : Double.parseDouble(v);
    }

    private static String blankToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
