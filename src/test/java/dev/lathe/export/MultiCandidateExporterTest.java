package dev.lathe.export;

import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.model.TensorData;
import dev.lathe.config.StudyConfig;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Several candidates of a real digits-MLP study exported into one folder: each sub-folder's model reloads and
 * gives ONNX Runtime the same outputs as the candidate rebuilt in memory, the index links every one and rings it
 * on the scatter, and a second export into the same folder is refused without touching what is there.
 */
class MultiCandidateExporterTest {
    @TempDir
    static Path dir;
    static Path study;

    @BeforeAll
    static void search() throws Exception {
        study = TestStudies.digitsMlp();
    }

    @Test
    void everyExportedModelRunsLikeItsCandidateAndTheIndexListsThem() throws Exception {
        Path out = dir.resolve("several");
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            List<CandidateRecord> done = store.all().stream().filter(CandidateRecord::isDone).toList();
            assertTrue(done.size() >= 3, "the search measured " + done.size());
            // The smallest three: pruned or quantized ones, not only the original.
            List<Long> ids = done.stream().sorted(Comparator.comparingLong(CandidateRecord::sizeBytes)).limit(3).map(CandidateRecord::id).toList();
            MultiCandidateExporter.Result r = MultiCandidateExporter.export(store, ids, out);
            assertEquals(3, r.candidates().size());

            OnnxModel original = OnnxModel.load(TestModels.digitsMlp());
            StudyConfig settings = StudyConfig.of(store).orElseThrow();
            EvaluationData.Split split = settings.data().resolve(original);
            CandidateBuilder builder = dev.lathe.search.CandidateBuilders.of(original, settings, split);
            Map<String, TensorData> input = split.evaluation().samples().get(0);
            for (long id : ids) {
                Path sub = out.resolve("candidate-" + id);
                try (Stream<Path> files = Files.list(sub)) {
                    assertEquals(List.of("model.onnx", "pareto.svg", "report.html", "report.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
                }
                OnnxModel rebuilt = builder.build(GenomeJson.read(store.get(id).orElseThrow().genomeJson()));
                OnnxModel exported = OnnxModel.load(sub.resolve("model.onnx"));
                assertEquals(Long.toString(id), exported.metadata("lathe.candidate"));
                try (OrtRunner a = OrtRunner.of(rebuilt, OrtRunner.RunnerSettings.cpu(1)); OrtRunner b = OrtRunner.of(exported, OrtRunner.RunnerSettings.cpu(1))) {
                    Map<String, TensorData> expected = a.run(input), actual = b.run(input);
                    assertEquals(expected.keySet(), actual.keySet());
                    for (String name : expected.keySet())
                        assertArrayEquals(expected.get(name).floats(), actual.get(name).floats(), "output " + name + " of candidate " + id);
                }
            }

            // The index: one row per export linking its report, and the scatter ringing each.
            Document index = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(r.index().toFile());
            XPath xp = XPathFactory.newInstance().newXPath();
            for (long id : ids) {
                assertEquals("candidate-" + id + "/report.html", xp.evaluate("//*[@class='export'][@data-id='" + id + "']//*[local-name()='a'][1]/@href", index));
                assertEquals(Long.toString(id), xp.evaluate("//*[@id='exported-" + id + "']/@data-id", index));
            }
            assertEquals(3.0, (Double) xp.evaluate("count(//*[@class='export'])", index, XPathConstants.NUMBER));
            // The plot as an image file beside the index: a well-formed SVG with a mark per measured candidate.
            Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(r.plot().toFile());
            assertEquals("svg", svg.getDocumentElement().getTagName());
            assertEquals((double) done.size(), (Double) xp.evaluate("count(//*[starts-with(@class, 'point')])", svg, XPathConstants.NUMBER));
            try (Stream<Path> files = Files.list(out)) {
                assertEquals(5, files.count(), "three sub-folders, index.html and pareto.svg; no staging left behind");
            }

            // Again into the same folder: refused before anything is written, the first export untouched.
            byte[] before = Files.readAllBytes(out.resolve("candidate-" + ids.get(0)).resolve("model.onnx"));
            String indexBefore = Files.readString(r.index());
            ExportException e = assertThrows(ExportException.class, () -> MultiCandidateExporter.export(store, ids, out));
            assertTrue(e.getMessage().contains("candidate-" + ids.get(0)) && e.getMessage().contains("index.html"), e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(out.resolve("candidate-" + ids.get(0)).resolve("model.onnx")));
            assertEquals(indexBefore, Files.readString(r.index()));
            try (Stream<Path> files = Files.list(out)) {
                assertEquals(5, files.count());
            }
        }
    }

    @Test
    void theCliExportsSeveralIdsAndRefusesUnmeasuredOnes() throws Exception {
        List<Long> ids;
        long notDone;
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(study)) {
            ids = store.all().stream().filter(CandidateRecord::isDone).map(CandidateRecord::id).limit(2).toList();
            notDone = store.all().stream().mapToLong(CandidateRecord::id).max().orElseThrow() + 100;
        }
        Path out = dir.resolve("cli");
        ByteArrayOutputStream text = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int rc = dev.lathe.cli.LatheCommand.execute(new PrintWriter(text, true), new PrintWriter(err, true),
                "export", "--study", study.toString(), "--id", ids.get(0) + "," + ids.get(1), "--out", out.toString());
        assertEquals(0, rc, text + " " + err);
        for (long id : ids) assertTrue(Files.isRegularFile(out.resolve("candidate-" + id + "/model.onnx")));
        assertTrue(Files.isRegularFile(out.resolve("index.html")));
        // An unknown id among them: nothing written.
        Path out2 = dir.resolve("cli2");
        err.reset();
        assertNotEquals(0, dev.lathe.cli.LatheCommand.execute(new PrintWriter(text, true), new PrintWriter(err, true),
                "export", "--study", study.toString(), "--id", ids.get(0) + "," + notDone, "--out", out2.toString()));
        assertTrue(err.toString().contains("has no candidate " + notDone), err.toString());
        assertFalse(Files.exists(out2.resolve("candidate-" + ids.get(0))));
    }
}
