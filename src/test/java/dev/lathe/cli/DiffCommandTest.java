package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.TestStudies;
import dev.lathe.analysis.GroupFinder;
import dev.lathe.analysis.QuantizableLayer;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.genome.Precision;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** {@code lathe diff}: two candidates of the digits-MLP sample study, node by node. */
@Tag("slow")
class DiffCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsWhatDiffersBetweenTwoCandidates() throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        List<String> layers = GroupFinder.analyze(OnnxModel.load(TestModels.digitsMlp())).quantizable().stream().map(QuantizableLayer::id).toList();
        long a, b;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            a = s.addPending(GenomeJson.write(Genome.withPrecisions(Map.of(), Map.of(layers.get(0), Precision.INT8))), "test", 0).id();
            b = s.addPending(GenomeJson.write(Genome.withPrecisions(Map.of(), Map.of(layers.get(0), Precision.FP16))), "test", 0).id();
        }
        LatheCommandTest.Run r = lathe("diff", "--study", study.toString(), Long.toString(a), Long.toString(b), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(a, j.get("before").asLong());
        JsonNode first = null;
        for (JsonNode n : j.get("nodes")) if (n.get("name").asText().equals(layers.get(0))) first = n;
        assertNotNull(first, r.out());
        assertEquals("int8 → fp16", first.get("badge").asText());
        for (JsonNode n : j.get("nodes"))
            assertFalse(n.get("name").asText().equals(layers.get(1)), "the second layer is float in both: " + n);
        assertTrue(j.get("counts").has("only_before") && j.get("counts").has("only_after"), "each adds its own conversion nodes: " + j.get("counts"));

        LatheCommandTest.Run text = lathe("diff", "--study", study.toString(), Long.toString(a), Long.toString(b));
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("precision int8 → fp16"), text.out());

        LatheCommandTest.Run missing = lathe("diff", "--study", study.toString(), Long.toString(a), "9999");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("no candidate 9999"), missing.err());
    }
}
