package dev.lathe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.TestModels;
import dev.lathe.cli.LatheCommand;
import dev.lathe.config.StrategyKind;
import dev.lathe.transform.genome.Genome;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** benchmark-search on the committed tiny table (digits MLP, 2 levels: 32 genomes, 2 timing repeats each). */
class BenchmarkSearchCommandTest {
    /** A copy, so that opening it never touches the committed file; the model is given since the copy is not beside it. */
    static Path tiny(Path dir) throws java.io.IOException {
        return java.nio.file.Files.copy(TestModels.digitsMlp().resolveSibling("table-tiny.lathe"), dir.resolve("tiny.lathe"));
    }

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    private Path TINY;

    @org.junit.jupiter.api.BeforeEach
    void copy() throws java.io.IOException {
        TINY = tiny(dir);
    }

    private String json(String... extra) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("benchmark-search", TINY.toString(), "--strategies", "random,nsga2,predictor",
                "--budgets", "8,20", "--seeds", "4", "--json", "--model", TestModels.digitsMlp().toString()), java.util.Arrays.stream(extra)).toArray(String[]::new);
        int code = LatheCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertEquals(0, code, err.toString());
        return out.toString();
    }

    @Test
    void printsTheContractFieldsAndTheSameForTheSameSeeds() throws Exception {
        String first = json();
        assertEquals(first, json(), "deterministic for the seeds");
        JsonNode list = new ObjectMapper().readTree(first);
        assertEquals(6, list.size(), "one object per strategy and budget");
        for (JsonNode o : list) {
            String strategy = o.get("strategy").asText();
            assertTrue(Set.of("random", "nsga2", "predictor").contains(strategy));
            assertTrue(Set.of(8, 20).contains(o.get("budget").asInt()));
            double q1 = o.get("q1_hv").asDouble(), median = o.get("median_hv").asDouble(), q3 = o.get("q3_hv").asDouble();
            assertTrue(0 <= q1 && q1 <= median && median <= q3 && q3 <= 1 + 1e-9, o.toString());
            assertTrue(o.has("evals_to_95") && (o.get("evals_to_95").isNull() || o.get("evals_to_95").asDouble() <= o.get("budget").asInt()));
            JsonNode vs = o.get("vs");
            assertEquals(2, vs.size());
            assertFalse(vs.has(strategy));
            vs.forEach(c -> {
                assertTrue(c.get("p_holm").asDouble() > 0 && c.get("p_holm").asDouble() <= 1);
                assertTrue(c.get("a12").asDouble() >= 0 && c.get("a12").asDouble() <= 1);
            });
        }
        // A12 of a against b and of b against a add up to 1; their Holm p-values are the same test.
        JsonNode rn = find(list, "random", 20).get("vs").get("nsga2"), nr = find(list, "nsga2", 20).get("vs").get("random");
        assertEquals(1.0, rn.get("a12").asDouble() + nr.get("a12").asDouble(), 1e-12);
        assertEquals(rn.get("p_holm").asDouble(), nr.get("p_holm").asDouble(), 1e-15);
    }

    private static JsonNode find(JsonNode list, String strategy, int budget) {
        for (JsonNode o : list) if (o.get("strategy").asText().equals(strategy) && o.get("budget").asInt() == budget) return o;
        throw new AssertionError(strategy + " at " + budget);
    }

    @Test
    void aReplayLooksUpTheTableThroughTheRealStrategy() {
        LookupTable table = LookupTable.open(TINY);
        assertEquals(32, table.size());
        assertEquals(2, table.tabular().levels());
        var space = table.space(TestModels.digitsMlp());
        TableReplay replay = new TableReplay(table, space, 12);
        double[] all = replay.run(StrategyKind.NSGA2, 1, 32);
        assertEquals(1.0, all[31], 1e-12, "after every genome of the table its whole front is found");
        double[] again = replay.run(StrategyKind.NSGA2, 1, 40);
        assertEquals(1.0, again[39], 1e-12, "an exhausted space keeps its figure to the budget");
        // The lookup draws among the stored repeats: both of the original's (its reference runs) turn up.
        LookupTable.Entry original = table.lookup(Genome.ORIGINAL, space);
        assertTrue(original.costs().length >= 2);
        java.util.Random rnd = new java.util.Random(3);
        Set<Double> drawn = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) drawn.add(LookupTable.draw(original, rnd));
        assertEquals(Set.copyOf(java.util.Arrays.stream(original.costs()).boxed().toList()), drawn);
    }
}
