package dev.lathe.pool;

import static dev.lathe.cli.CliRun.lathe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.cli.CliRun;
import dev.lathe.search.SearchRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code lathe search --pool} over two real agents: every candidate measured exactly once, the work spread over
 * both, the study naming each candidate's and each reference's device, and a resumed study going on from where it
 * was (nothing measured again).
 */
@Tag("slow")
class PoolSearchTest {
    @TempDir
    Path dir;

    @Test
    void aSearchOnAPoolOfTwoMeasuresEachCandidateOnceOnBothAndResumes() throws Exception {
        String pool = "search-" + UUID.randomUUID().toString().substring(0, 8);
        Path token = dir.resolve("token");
        Files.writeString(token, "a-pool-token-for-tests-" + pool);
        Path study = dir.resolve("pool.sqlite");
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir)) {
            String[] search = {"search", "sample:digits-mlp", "--study", study.toString(), "--quick", "--population", "4", "--criterion", "activation",
                    "--sensitivity-samples", "0", "--pool", pool, "--members", a.address() + "," + b.address(), "--token-file", token.toString(),
                    "--heartbeat-seconds", "6", "--budget"};
            CliRun first = lathe(concat(search, "8"));
            assertEquals(0, first.exit(), first.out() + first.err());
            try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
                List<CandidateRecord> all = s.all();
                assertEquals(8, all.size());
                Set<String> devices = new HashSet<>();
                for (CandidateRecord c : all) {
                    assertEquals(CandidateStatus.DONE, c.status(), c.toString());
                    devices.add(c.device());
                }
                assertEquals(Set.of("alpha", "beta"), devices, first.out());
                Set<String> referenced = new HashSet<>();
                for (ReferenceRun r : s.references()) referenced.add(r.device());
                assertEquals(Set.of("alpha", "beta"), referenced, "each device measured its own reference");
                for (String d : Set.of("alpha", "beta")) {
                    // The closing reference: each device's last candidates lie between two of its own references.
                    java.time.Instant lastReference = s.references().stream().filter(r -> d.equals(r.device()))
                            .map(r -> java.time.Instant.parse(r.measuredAt())).max(java.util.Comparator.naturalOrder()).orElseThrow();
                    java.time.Instant lastCandidate = all.stream().filter(c -> d.equals(c.device()))
                            .map(c -> java.time.Instant.parse(c.finishedAt())).max(java.util.Comparator.naturalOrder()).orElseThrow();
                    assertFalse(lastReference.isBefore(lastCandidate), d + "'s last reference (" + lastReference + ") comes after its last candidate ("
                            + lastCandidate + ")");
                }
                assertEquals("classifier", s.outputKind().orElseThrow(), "the output kind the devices' workers found");
            }
            assertEquals(8, a.status().measured() + b.status().measured(), "every candidate measured exactly once on the agents");

            CliRun resumed = lathe(concat(search, "12"));
            assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
            assertTrue(resumed.out().contains("Resuming: 8 of 12"), resumed.out());
            assertEquals(12, a.status().measured() + b.status().measured(), "resuming measured only the 4 new candidates");

            // A search stopped mid-generation and resumed: it goes on where it was, measuring nothing twice.
            int before = a.status().measured() + b.status().measured();
            Path stopped = dir.resolve("stopped.sqlite");
            var devices = new dev.lathe.pool.client.PoolMeasurer.Options(pool, List.of(dev.lathe.pool.net.HazelcastSetup.Address.parse(a.address())),
                    PoolToken.read(token), 6, 5, 60);
            try (SqliteStudyStorage s = SqliteStudyStorage.open(stopped)) {
                SearchRunner[] runner = new SearchRunner[1];
                runner[0] = new SearchRunner(dev.lathe.TestModels.digitsMlp(), dev.lathe.TestStudies.quickDigitsMlp(8, 3), s, new SearchRunner.Listener() {
                    @Override
                    public void candidateFinished(CandidateRecord c, dev.lathe.study.Study st, int measured, int budget, double left) {
                        if (measured == 2) runner[0].requestStop();
                    }
                }).pool(devices);
                SearchRunner.Outcome o = runner[0].run();
                assertTrue(o.stopped() && o.measured() >= 2 && o.measured() < 8, "stopped after " + o.measured());
            }
            try (SqliteStudyStorage s = SqliteStudyStorage.open(stopped)) {
                SearchRunner.Outcome o = new SearchRunner(dev.lathe.TestModels.digitsMlp(), dev.lathe.TestStudies.quickDigitsMlp(8, 3), s,
                        new SearchRunner.Listener() {}).pool(devices).run();
                assertEquals(8, o.measured());
                assertEquals(8, s.count(CandidateStatus.DONE));
            }
            assertEquals(before + 8, a.status().measured() + b.status().measured(), "stopping and resuming measured each candidate once");

            CliRun status = lathe("agent", "--status", "--cache", a.cache.toString());
            assertEquals(0, status.exit(), status.out() + status.err());
            assertTrue(status.out().contains("agent alpha of pool " + pool) && status.out().contains("running")
                    && status.out().contains("state: idle") && status.out().contains("measured " + a.status().measured() + " candidates"), status.out());
            CliRun none = lathe("agent", "--status", "--cache", dir.resolve("no-such-agent").toString());
            assertEquals(1, none.exit());
            assertTrue(none.out().contains("no agent has run with cache"), none.out());

            CliRun json = lathe("candidates", "--study", study.toString(), "--json");
            assertEquals(0, json.exit(), json.err());
            JsonNode list = new ObjectMapper().readTree(json.out());
            assertEquals(12, list.size());
            for (JsonNode c : list) assertTrue(Set.of("alpha", "beta").contains(c.path("device").asText()), c.toString());
        }
    }

    /**
     * The client, not a device, dies: a search in a JVM of its own is killed (-9) mid-search. The study keeps what
     * it recorded; resuming it goes on from there, keeps each measured candidate as it was, and measures only the
     * rest (those caught in flight included), each once.
     */
    @Test
    void aClientKilledMidSearchIsResumedWhereItWas() throws Exception {
        String pool = "client-" + UUID.randomUUID().toString().substring(0, 8);
        Path token = dir.resolve("token");
        Files.writeString(token, "a-pool-token-for-tests-" + pool);
        Path study = dir.resolve("killed.sqlite");
        int budget = 12;
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir)) {
            String[] search = {"search", "sample:digits-mlp", "--study", study.toString(), "--quick", "--population", "4", "--criterion", "activation",
                    "--sensitivity-samples", "0", "--pool", pool, "--members", a.address() + "," + b.address(), "--token-file", token.toString(),
                    "--heartbeat-seconds", "6", "--budget", Integer.toString(budget)};
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new java.util.ArrayList<>(List.of(javaBin, "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "dev.lathe.Main"));
            cmd.addAll(List.of(search));
            Path clientLog = dir.resolve("client.log");
            Process client = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(clientLog.toFile()).start();
            try {
                long deadline = System.nanoTime() + 180_000_000_000L;
                while (a.status().measured() + b.status().measured() < 4) {
                    if (!client.isAlive()) throw new AssertionError("the client ended before it was killed:\n" + Files.readString(clientLog));
                    if (System.nanoTime() > deadline) throw new AssertionError("the client measured too little:\n" + Files.readString(clientLog));
                    Thread.sleep(20);
                }
                new ProcessBuilder("kill", "-9", Long.toString(client.pid())).inheritIO().start().waitFor();
                assertTrue(client.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            } finally {
                client.destroyForcibly();
            }
            // What the agents had in hand for the dead client finishes; only then is the count of measurements fixed.
            a.await(st -> st.state().equals("idle"), 120);
            b.await(st -> st.state().equals("idle"), 120);
            int measuredAtKill = a.status().measured() + b.status().measured();

            java.util.Map<Long, Double> doneAtKill = new java.util.HashMap<>();
            long running;
            try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
                for (CandidateRecord c : s.all()) if (c.status() == CandidateStatus.DONE) doneAtKill.put(c.id(), c.latencyMs());
                running = s.count(CandidateStatus.RUNNING);
            }
            assertTrue(doneAtKill.size() >= 2 && doneAtKill.size() < budget, "killed mid-search with " + doneAtKill.size() + " done:\n"
                    + Files.readString(clientLog));

            CliRun resumed = lathe(search);
            assertEquals(0, resumed.exit(), resumed.out() + resumed.err());
            assertTrue(resumed.out().contains("Resuming: " + doneAtKill.size() + " of " + budget), resumed.out());
            if (running > 0) assertTrue(resumed.out().contains(running + " candidate(s) interrupted earlier will be measured again"), resumed.out());
            try (SqliteStudyStorage s = SqliteStudyStorage.open(study)) {
                List<CandidateRecord> all = s.all();
                assertEquals(budget, all.stream().filter(c -> c.status() == CandidateStatus.DONE).count(), all.toString());
                for (CandidateRecord c : all)
                    if (doneAtKill.containsKey(c.id()))
                        assertEquals(doneAtKill.get(c.id()), c.latencyMs(), "candidate " + c.id() + " was measured before the kill and kept as it was");
            }
            assertEquals(budget - doneAtKill.size(), a.status().measured() + b.status().measured() - measuredAtKill,
                    "the resumed search measured only what the study lacked, each once");
        }
    }

    /**
     * Pause on a pool: once the candidates in flight are back nothing more is sent, both agents stay idle with
     * their counts unchanged while paused, and after Resume the search reaches its budget, each candidate once.
     */
    @Test
    void aPausedPoolSearchSendsNothingUntilResumed() throws Exception {
        String pool = "pause-" + UUID.randomUUID().toString().substring(0, 8);
        Path token = dir.resolve("token");
        Files.writeString(token, "a-pool-token-for-tests-" + pool);
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir);
             SqliteStudyStorage s = SqliteStudyStorage.open(dir.resolve("paused.sqlite"))) {
            var devices = new dev.lathe.pool.client.PoolMeasurer.Options(pool, List.of(dev.lathe.pool.net.HazelcastSetup.Address.parse(a.address()),
                    dev.lathe.pool.net.HazelcastSetup.Address.parse(b.address())), PoolToken.read(token), 6, 5, 60);
            java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
            int[] measuredAtPause = new int[1];
            SearchRunner[] runner = new SearchRunner[1];
            runner[0] = new SearchRunner(dev.lathe.TestModels.digitsMlp(), dev.lathe.TestStudies.quickDigitsMlp(8, 3), s, new SearchRunner.Listener() {
                @Override
                public void candidateFinished(CandidateRecord c, dev.lathe.study.Study st, int measured, int budget, double left) {
                    if (measured == 2) runner[0].requestPause();
                }

                @Override
                public void paused(int measured, int budget, Long lastCandidate) {
                    measuredAtPause[0] = measured;
                    paused.countDown();
                }
            }).pool(devices);
            java.util.concurrent.CompletableFuture<SearchRunner.Outcome> outcome = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return runner[0].run();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            assertTrue(paused.await(180, java.util.concurrent.TimeUnit.SECONDS), "the search paused");
            int onAgents = a.status().measured() + b.status().measured();
            assertTrue(measuredAtPause[0] >= 2 && measuredAtPause[0] < 8, "paused after " + measuredAtPause[0]);
            Thread.sleep(3000);
            assertEquals("idle", a.status().state());
            assertEquals("idle", b.status().state());
            assertEquals(onAgents, a.status().measured() + b.status().measured(), "nothing was measured while paused");
            assertEquals(measuredAtPause[0], s.count(CandidateStatus.DONE), "the study holds what was back before the pause");
            runner[0].resume();
            SearchRunner.Outcome o = outcome.get(300, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(8, o.measured());
            assertEquals(8, s.count(CandidateStatus.DONE));
            assertEquals(8, a.status().measured() + b.status().measured(), "each candidate measured once, the pause notwithstanding");
        }
    }

    private static String[] concat(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
