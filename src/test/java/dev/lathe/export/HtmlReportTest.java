package dev.lathe.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestStudies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An export writes report.html beside report.json: a well-formed, self-contained page whose figures, scatter
 * points and keep-ratio bars carry exactly the study's numbers.
 */
class HtmlReportTest {
    @TempDir
    Path dir;

    @Test
    void exportWritesAnHtmlReportWithTheStudysFigures() throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("mlp.sqlite")); // opened for writing below
        List<CandidateRecord> all;
        CandidateRecord chosen;
        CandidateExporter.Result r;
        try (SqliteStudyStorage store = SqliteStudyStorage.open(study)) {
            all = store.all();
            chosen = all.stream().filter(CandidateRecord::isDone).min(Comparator.comparingLong(CandidateRecord::sizeBytes)).orElseThrow();
            r = CandidateExporter.export(store, chosen.id(), dir.resolve("export"), false);
        }
        assertEquals(dir.resolve("export/report.html"), r.htmlReport());
        String html = Files.readString(r.htmlReport());
        assertFalse(html.contains("<script") || html.contains("src=\"http") || html.contains("href=\"http"), "self-contained, no scripts");

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(r.htmlReport().toFile());
        XPath xp = XPathFactory.newInstance().newXPath();
        CandidateRecord original = all.stream().filter(c -> c.isDone() && c.genomeJson().equals(GenomeJson.write(Genome.ORIGINAL))).findFirst().orElseThrow();
        JsonNode json = new ObjectMapper().readTree(r.report().toFile());

        // The figures table: candidate and original columns hold the study's numbers exactly.
        assertEquals(chosen.latencyMs(), value(xp, doc, "latency_ms", 1));
        assertEquals(original.latencyMs(), value(xp, doc, "latency_ms", 2));
        assertEquals(chosen.latencyP90Ms(), value(xp, doc, "latency_p90_ms", 1));
        assertEquals(chosen.quality(), value(xp, doc, "quality", 1));
        assertEquals(original.quality(), value(xp, doc, "quality", 2));
        // Speed-up as the study reports it: against the original re-measured nearest in time (drift-corrected).
        assertEquals(json.at("/figures/speedup").asDouble(), value(xp, doc, "speedup", 1), 1e-12);
        assertTrue(json.at("/figures/speedup").asDouble() > 0);
        assertEquals((double) Files.size(r.model()), value(xp, doc, "size_bytes", 1));
        assertEquals((double) chosen.parameters(), value(xp, doc, "parameters", 1));
        assertEquals("Candidate #" + chosen.id() + " of model.onnx", xp.evaluate("normalize-space(//h1)", doc));

        // The scatter: one mark per measured candidate at its figures, the original as a diamond, this one ringed.
        NodeList points = (NodeList) xp.evaluate("//*[local-name()='svg'][@id='scatter']/*[starts-with(@class, 'point')]", doc, XPathConstants.NODESET);
        assertEquals(all.stream().filter(CandidateRecord::isDone).count(), points.getLength());
        for (int i = 0; i < points.getLength(); i++) {
            Element p = (Element) points.item(i);
            CandidateRecord c = all.stream().filter(x -> x.id() == Long.parseLong(p.getAttribute("data-id"))).findFirst().orElseThrow();
            assertEquals(c.latencyMs(), Double.parseDouble(p.getAttribute("data-latency")));
            assertEquals(c.quality(), Double.parseDouble(p.getAttribute("data-quality")));
        }
        assertEquals(Long.toString(original.id()), xp.evaluate("//*[@class='point original']/@data-id", doc));
        assertEquals(Long.toString(chosen.id()), xp.evaluate("//*[@id='exported']/@data-id", doc));

        // Keep ratios: a bar per prunable group of the digits MLP, the pruned ones as report.json says.
        NodeList bars = (NodeList) xp.evaluate("//*[@id='keep-bars']/*[@class='keep']", doc, XPathConstants.NODESET);
        assertEquals(2, bars.getLength(), "the digits MLP has two prunable groups");
        List<String> prunedInJson = new ArrayList<>();
        for (JsonNode t : json.get("transforms")) {
            if (!t.get("type").asText().equals("prune")) continue;
            prunedInJson.add(t.get("group").asText());
            Element bar = (Element) xp.evaluate("//*[@class='keep'][@data-group='" + t.get("group").asText() + "']", doc, XPathConstants.NODE);
            assertEquals(t.get("kept").asInt(), Integer.parseInt(bar.getAttribute("data-kept")));
            assertEquals(t.get("of").asInt(), Integer.parseInt(bar.getAttribute("data-of")));
        }
        for (int i = 0; i < bars.getLength(); i++) {
            Element bar = (Element) bars.item(i);
            if (!prunedInJson.contains(bar.getAttribute("data-group"))) assertEquals(bar.getAttribute("data-of"), bar.getAttribute("data-kept"));
        }

        // Layer precision: the three Gemm layers, int8 exactly where the genome says.
        Genome genome = GenomeJson.read(chosen.genomeJson());
        NodeList layers = (NodeList) xp.evaluate("//*[@id='precision']//*[@data-layer]", doc, XPathConstants.NODESET);
        assertEquals(3, layers.getLength());
        for (int i = 0; i < layers.getLength(); i++) {
            Element row = (Element) layers.item(i);
            String precision = xp.evaluate("normalize-space(td[2])", row);
            var p = genome.precisions().get(row.getAttribute("data-layer"));
            assertEquals(p == null ? "float32" : p.id(), precision);
        }
    }

    @Test
    void textIsEscapedAndTicksAreRound() {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", Svg.esc("a <b> & \"c\""));
        assertEquals(List.of(0.2, 0.4, 0.6, 0.8, 1.0), ParetoScatter.ticks(0.11, 1.05).stream().map(t -> Math.round(t * 10) / 10.0).toList());
        assertEquals("0.01234", Svg.fmt(0.012344));
        assertEquals("28.04", Svg.fmt(28.04));
        assertEquals("0.012", ParetoScatter.tickLabel(0.012, List.of(0.010, 0.012, 0.014)));
        assertEquals("0.95", ParetoScatter.tickLabel(0.95, List.of(0.95, 0.96)));
        assertEquals("1,500", ParetoScatter.tickLabel(1500, List.of(1000.0, 1500.0)));
    }

    private static Double value(XPath xp, Document doc, String figure, int column) throws Exception {
        String v = xp.evaluate("//tr[@id='fig-" + figure + "']/td[" + column + "]/@data-value", doc);
        return v.isEmpty() ? null : Double.parseDouble(v);
    }
}
