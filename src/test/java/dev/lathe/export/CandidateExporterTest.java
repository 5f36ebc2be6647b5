package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CandidateExporterTest {
    @TempDir
    static Path dir;
    static Path study;

    @BeforeAll
    static void search() throws Exception {
        study = TestStudies.digitsMlp();
    }

    @Test
    void exportedCandidateReloadsWithTheOriginalSignatureAndAReport() throws Exception {
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            CandidateRecord smallest = store.all().stream().filter(CandidateRecord::isDone)
                    .min(java.util.Comparator.comparingLong(CandidateRecord::sizeBytes)).orElseThrow();
            Path out = dir.resolve("export1");
            CandidateExporter.Result r = CandidateExporter.export(store, smallest.id(), out, false);
            OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
            OnnxModel exported = OnnxModel.load(r.model());
            assertEquals(original.proto().getGraph().getInputList(), exported.proto().getGraph().getInputList());
            assertEquals(original.proto().getGraph().getOutputList(), exported.proto().getGraph().getOutputList());
            assertTrue(Files.size(r.model()) < Files.size(TestModels.digitsMlp()));
            assertEquals(smallest.quality(), r.reloadedQuality(), 1e-9);

            JsonNode report = new ObjectMapper().readTree(r.report().toFile());
            assertEquals(smallest.id(), report.at("/candidate/id").asLong());
            assertEquals(original.sha256(), report.at("/original/sha256").asText());
            assertEquals(Files.size(r.model()), report.at("/figures/size_bytes").asLong());
            assertTrue(report.at("/figures/speedup").isNumber());
            assertFalse(report.at("/transforms").isEmpty());
            assertEquals(smallest.genomeJson(), exported.metadata("lathe.genome"));
            try (var files = Files.list(out)) {
                assertEquals(java.util.List.of("model.onnx", "pareto.svg", "report.html", "report.json"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "the export's files only, no staging left behind");
            }
            // The plot as an image beside the report: an SVG document ringing this candidate.
            var svg = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(out.resolve("pareto.svg").toFile());
            assertEquals("svg", svg.getDocumentElement().getTagName());
            assertEquals(Long.toString(smallest.id()), javax.xml.xpath.XPathFactory.newInstance().newXPath().evaluate("//*[@id='exported']/@data-id", svg));
        }
    }

    @Test
    void existingFilesAreNeverOverwrittenUnlessAsked() throws Exception {
        Path out = dir.resolve("export2");
        Files.createDirectories(out);
        Files.writeString(out.resolve("model.onnx"), "user's own file");
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            assertThrows(ExportException.class, () -> CandidateExporter.export(store, 1, out, false));
            assertEquals("user's own file", Files.readString(out.resolve("model.onnx")));
            assertThrows(ExportException.class, () -> CandidateExporter.export(store, 999, dir.resolve("x"), false));
            // A plot of the user's own blocks an export as much as a model does.
            Path plotOnly = Files.createDirectories(dir.resolve("export3"));
            Files.writeString(plotOnly.resolve("pareto.svg"), "user's plot");
            ExportException e = assertThrows(ExportException.class, () -> CandidateExporter.export(store, 1, plotOnly, false));
            assertTrue(e.getMessage().contains("pareto.svg"), e.getMessage());
            assertEquals("user's plot", Files.readString(plotOnly.resolve("pareto.svg")));
        }
    }
}
