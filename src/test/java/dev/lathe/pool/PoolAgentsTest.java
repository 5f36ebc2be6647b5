package dev.lathe.pool;

import dev.lathe.TestModels;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.OnnxModel;
import dev.lathe.pool.client.PoolMeasurer;
import dev.lathe.pool.net.HazelcastSetup;
import dev.lathe.pool.schedule.DeviceMeasurement;
import dev.lathe.pool.schedule.DeviceState;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.QuantizationOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real agents in JVMs of their own on 127.0.0.1, a random pool (so cluster) name per test, explicit members:
 * the digits MLP's candidates measured on a pool of two, with one agent killed (-9) or frozen (SIGSTOP) mid-candidate,
 * and a client with the wrong token.
 */
@Tag("slow")
class PoolAgentsTest {
    private static OnnxModel original;
    private static CandidateBuilder builder;
    private static MeasurementSetup setup;
    private static List<Genome> genomes;

    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void model() throws Exception {
        Path model = TestModels.digitsMlp();
        original = OnnxModel.load(model);
        setup = new MeasurementSetup(model.toString(), null, null, 1, 16, Map.of(), 1, "cpu", "all", TimingProtocol.QUICK, true, false);
        EvaluationData.Split split = EvaluationData.resolve(original, null, null, setup.inputShapes(), setup.imagePreprocessing());
        builder = CandidateBuilder.create(original, new PruningOptions("activation", "lstsq"), QuantizationOptions.DEFAULT, split.calibration().samples());
        genomes = new ArrayList<>();
        String group = builder.groups().get(0).id();
        for (int i = 0; i < 10; i++) genomes.add(Genome.of(Map.of(group, 0.3 + 0.07 * i), Set.of()));
    }

    private static String pool() {
        return "test-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private Path token(String secret) throws Exception {
        Path f = dir.resolve("token-" + secret.hashCode());
        Files.writeString(f, secret);
        return f;
    }

    private PoolMeasurer measurer(String pool, List<AgentJvm> agents, PoolToken token) throws Exception {
        Map<String, Path> files = new HashMap<>();
        StudyPackage pkg = StudyPackage.of(original, setup, builder.options(), builder.quantization(), true, 120, "512m", files);
        String expected = EvaluationData.resolve(original, null, null, setup.inputShapes(), setup.imagePreprocessing()).evaluation().fingerprint();
        var options = new PoolMeasurer.Options(pool, agents.stream().map(a -> HazelcastSetup.Address.parse(a.address())).toList(), token, 6, 5, 60);
        return new PoolMeasurer(options, pkg, files, expected, new dev.lathe.pool.schedule.Scheduler.Listener() {
            @Override
            public void message(String text) {
                log.add(text);
            }
        }).start();
    }

    private List<DeviceMeasurement> measureAll(PoolMeasurer m) throws Exception {
        List<CompletableFuture<DeviceMeasurement>> futures = new ArrayList<>();
        for (int i = 0; i < genomes.size(); i++) futures.add(m.submit(i + 1, GenomeJson.write(genomes.get(i))));
        List<DeviceMeasurement> out = new ArrayList<>();
        for (var f : futures) out.add(f.get(240, TimeUnit.SECONDS));
        return out;
    }

    /** Each candidate came back once, with the figures of the model this machine builds from the same genome. */
    private void assertEveryCandidateOnce(List<DeviceMeasurement> results) {
        assertEquals(genomes.size(), results.size());
        for (int i = 0; i < results.size(); i++) {
            DeviceMeasurement r = results.get(i);
            assertEquals(i + 1, r.candidateId());
            OnnxModel local = builder.build(genomes.get(i));
            assertEquals(local.toBytes().length, r.measurement().sizeBytes(), "the agent built another model from genome " + (i + 1));
            assertEquals(local.parameterCount(), r.measurement().parameters());
            assertTrue(r.measurement().latency().medianMs() > 0);
            assertTrue(r.measurement().quality().fidelity() > 0, "quality measured on the agent's copy of the data");
        }
    }

    @Test
    void twoAgentsShareTheCandidatesAndMeasureEachOnce() throws Exception {
        String pool = pool();
        Path token = token("a-pool-token-for-tests-" + pool);
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir);
             PoolMeasurer m = measurer(pool, List.of(a, b), PoolToken.read(token))) {
            List<DeviceMeasurement> results = measureAll(m);
            assertEveryCandidateOnce(results);
            Set<String> devices = new HashSet<>();
            results.forEach(r -> devices.add(r.device()));
            assertEquals(Set.of("alpha", "beta"), devices, "both devices measured: " + results);
            // On the agents' side too: each candidate was measured once in all (no duplicate behind the client's back).
            assertEquals(genomes.size(), a.status().measured() + b.status().measured());
            assertTrue(a.status().references() >= 1 && b.status().references() >= 1, "each device measured its own reference");
            assertTrue(Files.list(a.cache.resolve("blobs")).count() >= 1, "the model was cached by its hash");
        }
    }

    @Test
    void anAgentKilledMidCandidateLosesNothing() throws Exception {
        loseOneAgentMidCandidate(beta -> beta.process.destroyForcibly()); // SIGKILL
    }

    @Test
    void anAgentFrozenMidCandidateIsDroppedAtTheHeartbeatTimeout() throws Exception {
        loseOneAgentMidCandidate(beta -> beta.signal("STOP"));
    }

    interface Loss {
        void inflict(AgentJvm agent) throws Exception;
    }

    /** Two agents measure the candidates; {@code loss} strikes beta mid-candidate: alpha measures that one and the rest, none is lost. */
    private void loseOneAgentMidCandidate(Loss loss) throws Exception {
        String pool = pool();
        Path token = token("a-pool-token-for-tests-" + pool);
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm b = AgentJvm.start("beta", pool, a.address(), token, dir);
             PoolMeasurer m = measurer(pool, List.of(a, b), PoolToken.read(token))) {
            List<CompletableFuture<DeviceMeasurement>> futures = new ArrayList<>();
            for (int i = 0; i < genomes.size(); i++) futures.add(m.submit(i + 1, GenomeJson.write(genomes.get(i))));
            var caught = b.await(s -> s.state().equals("measuring") && s.candidate() != null && s.measured() >= 1, 120);
            loss.inflict(b);
            long held = caught.candidate();
            List<DeviceMeasurement> results = new ArrayList<>();
            for (var f : futures) results.add(f.get(240, TimeUnit.SECONDS));
            assertEveryCandidateOnce(results);
            assertEquals("alpha", results.get((int) held - 1).device(), "the candidate beta held was measured by alpha");
            DeviceState beta = m.devices().stream().filter(d -> d.name().equals("beta")).findFirst().orElseThrow();
            assertEquals("quarantined", beta.state(), beta.toString());
            assertTrue(log.stream().anyMatch(l -> l.contains("candidate " + held + " goes back to the queue: device beta was lost")), String.join("\n", log));
        }
    }

    @Test
    void aClientWithTheWrongTokenIsRefusedAndNothingIsMeasured() throws Exception {
        String pool = pool();
        Path token = token("the-agents-own-token-" + pool);
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> measurer(pool, List.of(a), PoolToken.of("a-guessed-token-0123456789")).close());
            assertTrue(e.getMessage().contains("signature does not match"), e.getMessage());
            var status = a.await(s -> s.refused() >= 1, 10);
            assertEquals(0, status.measured());
            assertTrue(Files.readString(a.log).contains("REFUSED HELLO task: signature does not match"), Files.readString(a.log));
            assertEquals(0, Files.list(a.cache.resolve("blobs")).count(), "nothing was stored for the refused client");
        }
    }

    /**
     * A member that will not measure for this client (here: started with another token) is not used, and says so:
     * the log names it with the reason, and the devices the window lists show it as refused with that reason,
     * while the pool's good device measures everything.
     */
    @Test
    void aDeviceThatRefusesIsListedWithTheReasonAndTheOthersMeasure() throws Exception {
        String pool = pool();
        Path token = token("the-pools-token-" + pool);
        Path other = token("another-token-" + pool);
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             AgentJvm g = AgentJvm.start("gamma", pool, a.address(), other, dir);
             PoolMeasurer m = measurer(pool, List.of(a, g), PoolToken.read(token))) {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!m.refusals().containsKey("gamma") && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(m.refusals().get("gamma").contains("signature does not match"), m.refusals().toString());
            DeviceState refused = m.devices().stream().filter(d -> d.name().equals("gamma")).findFirst().orElseThrow();
            assertEquals("refused", refused.state());
            assertTrue(refused.reason().contains("refused this client: signature does not match"), refused.reason());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("Device gamma is not used: refused this client: signature does not match")), log.toString());
            List<DeviceMeasurement> results = measureAll(m);
            assertEveryCandidateOnce(results);
            for (DeviceMeasurement r : results) assertEquals("alpha", r.device());
            assertEquals(0, g.status().measured());
        }
    }

    /**
     * Membership is followed live: an agent started while the search is already measuring on another is greeted,
     * prepared and used, and the candidates are still measured once each.
     */
    @Test
    void anAgentThatJoinsMidSearchIsUsed() throws Exception {
        String pool = pool();
        Path token = token("a-pool-token-for-tests-" + pool);
        int candidates = 40;
        try (AgentJvm a = AgentJvm.start("alpha", pool, "", token, dir);
             PoolMeasurer m = measurer(pool, List.of(a), PoolToken.read(token))) {
            List<CompletableFuture<DeviceMeasurement>> futures = new ArrayList<>();
            for (int i = 0; i < candidates; i++) futures.add(m.submit(i + 1, GenomeJson.write(genomes.get(i % genomes.size()))));
            a.await(st -> st.measured() >= 1, 120);
            try (AgentJvm late = AgentJvm.start("late", pool, a.address(), token, dir)) {
                Set<Long> ids = new HashSet<>();
                Set<String> devices = new HashSet<>();
                for (var f : futures) {
                    DeviceMeasurement r = f.get(240, TimeUnit.SECONDS);
                    assertTrue(ids.add(r.candidateId()), "candidate " + r.candidateId() + " came back twice");
                    devices.add(r.device());
                }
                assertEquals(candidates, ids.size());
                assertEquals(Set.of("alpha", "late"), devices, "the agent that joined mid-search measured too: " + String.join("\n", log));
                assertTrue(log.stream().anyMatch(l -> l.startsWith("Device late ") && l.endsWith(" joined")), String.join("\n", log));
                assertEquals(candidates, a.status().measured() + late.status().measured(), "each measured once on the agents");
            }
        }
    }
}
