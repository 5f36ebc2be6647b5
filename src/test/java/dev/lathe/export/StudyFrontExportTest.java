package dev.lathe.export;

import dev.lathe.TestStudies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** The CSV and the HTML scatter mark the study's own front, and the scatter plots the figure that front is decided on. */
class StudyFrontExportTest {
    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theCsvMarksTheMemoryFrontOfAMemoryObjectiveStudy() throws Exception {
        Path study = TestStudies.memoryObjectiveStudy(dir.resolve("memory.sqlite"));
        Path out = dir.resolve("memory.csv");
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            StudyCsvExporter.write(s, out, false);
        }
        Set<Long> front = new TreeSet<>();
        try (var parser = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(new StringReader(Files.readString(out)))) {
            for (CSVRecord r : parser) {
                if (Boolean.parseBoolean(r.get("pareto"))) front.add(Long.parseLong(r.get("id")));
                if (r.get("id").equals("1")) assertEquals(1.0, Double.parseDouble(r.get("speedup")), 0.0);
            }
        }
        assertEquals(TestStudies.MEMORY_FRONT, front);
    }

    /**
     * References at 10 ms then 20 ms (the machine halved its speed): B measured 11 ms in the slow stretch is
     * faster than A measured 6 ms in the fast one (8.25 against 9 ms corrected). The scatter must place B left of
     * A, at the corrected figures, with both on the front; measured latencies would put B right of A, dominated.
     */
    @Test
    void theScatterPlotsTheDriftCorrectedLatencyTheFrontIsDecidedOn() throws Exception {
        List<ReferenceRun> refs = List.of(new ReferenceRun(1, T0.toString(), 0, 10, null, null, null),
                new ReferenceRun(2, T0.plusSeconds(100).toString(), 2, 20, null, null, null));
        List<CandidateRecord> trials = List.of(
                trial(1, Study.ORIGINAL_GENOME, 1, 10, 0.9, null),
                trial(2, "{\"keep\":{\"g\":0.5},\"int8\":[]}", 5, 6, 0.8, null),       // A: 6 x 15 / 10 = 9 ms
                trial(3, "{\"keep\":{\"g\":0.4},\"int8\":[]}", 99, 11, 0.75, null));   // B: 11 x 15 / 20 = 8.25 ms
        Study study = new Study(trials, refs, Objective.LATENCY, Constraints.NONE);
        assertEquals(Set.of(1L, 2L, 3L), study.frontIds());

        Map<Long, Element> points = points(ParetoScatter.paretoSvg(study, List.of(3L), "accuracy"));
        assertEquals(9.0, x(points.get(2L)), 1e-12);
        assertEquals(8.25, x(points.get(3L)), 1e-12);
        assertEquals(15.0, x(points.get(1L)), 1e-12, "the original at the anchor: its speed-up is 1");
        assertEquals(6.0, Double.parseDouble(points.get(2L).getAttribute("data-latency")), "the measured figure is kept beside");
        assertTrue(cx(points.get(3L)) < cx(points.get(2L)), "B is drawn left of A");
        for (long id : List.of(2L, 3L)) assertEquals("point front", points.get(id).getAttribute("class"));
        assertTrue(ParetoScatter.paretoSvg(study, List.of(), "accuracy").contains("latency, median (ms, drift-corrected)"));
    }

    @Test
    void theScatterOfAMemoryObjectiveStudyPlotsPeakMemoryAndItsFront() throws Exception {
        Study study;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(TestStudies.memoryObjectiveStudy(dir.resolve("m.sqlite")))) {
            study = dev.lathe.config.Studies.read(s);
        }
        String svg = ParetoScatter.paretoSvg(study, List.of(), "accuracy");
        assertTrue(svg.contains("peak memory (MiB)"), svg);
        Map<Long, Element> points = points(svg);
        Set<Long> front = new TreeSet<>();
        points.forEach((id, p) -> { if (p.getAttribute("class").equals("point front") || p.getAttribute("class").equals("point original")) front.add(id); });
        assertEquals(TestStudies.MEMORY_FRONT, front, "the original is on this front too");
        assertEquals(60.0, x(points.get(3L)), 1e-12, "MiB");
    }

    private static CandidateRecord trial(long id, String genome, int secondsAfter, double latencyMs, double quality, Long peak) {
        return new CandidateRecord(id, genome, "test", 0, CandidateStatus.DONE, latencyMs, latencyMs, quality, "accuracy", quality, quality,
                1000L, 100L, null, null, null, 1.0, T0.toString(), T0.plusSeconds(secondsAfter).toString(), peak);
    }

    private static Map<Long, Element> points(String svg) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        XPath xp = XPathFactory.newInstance().newXPath();
        NodeList nodes = (NodeList) xp.evaluate("//*[starts-with(@class, 'point')]", doc, XPathConstants.NODESET);
        Map<Long, Element> out = new HashMap<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            out.put(Long.parseLong(e.getAttribute("data-id")), e);
        }
        return out;
    }

    private static double x(Element point) {
        return Double.parseDouble(point.getAttribute("data-x"));
    }

    /** A circle's centre, or a diamond path's top vertex. */
    private static double cx(Element point) {
        if (point.hasAttribute("cx")) return Double.parseDouble(point.getAttribute("cx"));
        return Double.parseDouble(point.getAttribute("d").substring(1).split(",")[0]);
    }
}
