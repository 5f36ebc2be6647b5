package dev.lathe.pool;

import static dev.lathe.cli.CliRun.lathe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.cli.CliRun;
import dev.lathe.config.Studies;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.ConfirmedSpeedup;
import dev.lathe.study.StoppedEarly;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.genome.GenomeJson;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A search on a pool of two real agents confirms its front at the end on one of them (every front candidate but the
 * original timed A B B A against the original in that agent's worker, the device named in the log and in each
 * stored row), and under {@code --min-quality} the agents stop scoring a candidate once it certainly ends below the
 * bound, labelled and never on the front, as on one machine.
 */
@Tag("slow")
class PoolConfirmationTest {
    @TempDir
    Path dir;

    @Test
    void aPoolSearchConfirmsItsFrontOnOneDeviceAndStopsHopelessQualityRunsEarly() throws Exception {
        String pool = "confirm-" + UUID.randomUUID().toString().substring(0, 8);
        Path token = dir.resolve("token");
        Files.writeString(token, "a-pool-token-for-tests-" + pool);
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir)) {
            List<String> search = List.of("search", "sample:digits-mlp", "--quick", "--population", "4", "--criterion", "activation", "--seed", "3",
                    "--sensitivity-samples", "0", "--pool", pool, "--members", a.address() + "," + b.address(), "--token-file", token.toString(),
                    "--heartbeat-seconds", "6");

            Path confirmed = dir.resolve("confirmed.sqlite");
            CliRun run = lathe(args(search, "--study", confirmed.toString(), "--budget", "8"));
            assertEquals(0, run.exit(), run.out() + run.err());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Confirming the front on device (alpha|beta): ").matcher(run.out());
            assertTrue(m.find(), run.out());
            String device = m.group(1);
            Set<Long> expected;
            Map<Long, ConfirmedSpeedup> stored;
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(confirmed)) {
                Study st = Studies.read(s);
                expected = st.front().stream().filter(c -> !GenomeJson.read(c.genomeJson()).isOriginal()).map(CandidateRecord::id).collect(Collectors.toSet());
                stored = s.confirmations();
            }
            assertFalse(expected.isEmpty(), "eight candidates of the MLP give a front beyond the original: " + run.out());
            assertEquals(expected, stored.keySet(), "every front candidate but the original is confirmed");
            String agentLog = Files.readString((device.equals("alpha") ? a : b).log);
            for (ConfirmedSpeedup c : stored.values()) {
                assertEquals(device, c.device(), "each row names the one device that timed it: " + c);
                assertTrue(c.low() <= c.speedup() && c.speedup() <= c.high() && c.cycles() > 0 && c.originalMs() > 0 && c.candidateMs() > 0, c.toString());
                assertTrue(run.out().contains("confirmed #" + c.candidateId() + ": search ") && run.out().contains(" on " + device), run.out());
                assertTrue(agentLog.contains("candidate " + c.candidateId() + " confirmed: "), "timed on " + device + " itself:\n" + agentLog);
            }
            assertTrue(run.out().contains("(on device " + device + ")"), "the front's legend names the device: " + run.out());
            assertEquals(8, a.status().measured() + b.status().measured(), "confirming is not counted as measuring: each candidate once");
            JsonNode list = new ObjectMapper().readTree(lathe("candidates", "--study", confirmed.toString(), "--json").out());
            for (JsonNode n : list) {
                long id = n.get("id").asLong();
                if (stored.containsKey(id)) {
                    assertEquals(stored.get(id).speedup(), n.get("confirmed_speedup").asDouble(), 1e-12);
                    assertEquals(device, n.get("confirmed_device").asText());
                } else assertTrue(n.get("confirmed_speedup").isNull(), n.toString());
            }

            // The original scores 0.9759 on these labels: under a bound of 0.99 every candidate certainly misses it.
            Path bounded = dir.resolve("bounded.sqlite");
            CliRun early = lathe(args(search, "--study", bounded.toString(), "--budget", "4", "--min-quality", "0.99"));
            assertEquals(0, early.exit(), early.out() + early.err());
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(bounded)) {
                Study st = Studies.read(s);
                List<CandidateRecord> done = s.all().stream().filter(c -> c.status() == CandidateStatus.DONE).toList();
                assertEquals(4, done.size(), early.out());
                for (CandidateRecord c : done) {
                    StoppedEarly stop = StoppedEarly.of(c).orElseThrow(() -> new AssertionError("not stopped early on " + c.device() + ": " + c));
                    assertTrue(stop.samples() < stop.total() && stop.total() == 540, stop.describe());
                    assertTrue(c.quality() < 0.99, "the samples scored stay below the bound: " + c.quality());
                    assertTrue(Set.of("alpha", "beta").contains(c.device()), c.toString());
                    assertTrue(early.out().contains("(" + stop.describe() + ")"), early.out());
                    assertFalse(st.frontIds().contains(c.id()), "never on the front");
                }
            }
            JsonNode bl = new ObjectMapper().readTree(lathe("candidates", "--study", bounded.toString(), "--json").out());
            for (JsonNode n : bl) assertEquals(540, n.path("stopped_early_of").asInt(), n.toString());
        }
    }

    private static String[] args(List<String> base, String... more) {
        List<String> all = new java.util.ArrayList<>(base);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
