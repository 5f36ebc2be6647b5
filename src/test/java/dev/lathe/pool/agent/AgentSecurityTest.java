package dev.lathe.pool.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.eval.MeasurementSetup;
import dev.lathe.eval.timing.TimingProtocol;
import dev.lathe.pool.DeviceDescription;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.StudyPackage;
import dev.lathe.pool.net.PoolSerialization;
import dev.lathe.pool.net.PoolTask;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.QuantizationOptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an agent refuses before doing anything, and the folder it never leaves. */
class AgentSecurityTest {
    private static final PoolToken TOKEN = PoolToken.of("the-agents-own-pool-token");

    @TempDir
    Path dir;

    private AgentCache cache;
    private AgentService agent;

    @BeforeEach
    void agent() throws IOException {
        cache = new AgentCache(dir.resolve("cache"));
        DeviceDescription d = new DeviceDescription("board-1", "test", "CPU", 2, "amd64", "Linux", null, "1.23.2", List.of("cpu"), "dev");
        agent = new AgentService(d, TOKEN, cache, "127.0.0.1:1", line -> { });
    }

    private JsonNode answer(PoolTask t) throws Exception {
        return PoolSerialization.JSON.readTree(agent.handle(t));
    }

    private static void set(PoolTask t, String field, Object value) throws Exception {
        Field f = PoolTask.class.getDeclaredField(field);
        f.setAccessible(true);
        f.set(t, value);
    }

    @Test
    void onlyTasksSignedWithThePoolTokenRecentlyAndOnceAreRun() throws Exception {
        assertEquals("unsigned task", answer(PoolTask.signed(null, PoolTask.Kind.HELLO, "{}", null)).path("refused").asText());
        assertEquals("signature does not match this pool's token",
                answer(PoolTask.signed(PoolToken.of("a-guessed-pool-token-000"), PoolTask.Kind.HELLO, "{}", null)).path("refused").asText());

        PoolTask tampered = PoolTask.signed(TOKEN, PoolTask.Kind.MISSING, "{\"sha256\":[]}", null);
        set(tampered, "payload", "{\"sha256\":[\"" + "0".repeat(64) + "\"]}");
        assertEquals("signature does not match this pool's token", answer(tampered).path("refused").asText(), "the HMAC covers the payload");

        PoolTask stale = PoolTask.signed(TOKEN, PoolTask.Kind.HELLO, "{}", null);
        set(stale, "issuedAtMillis", System.currentTimeMillis() - 11 * 60_000L);
        set(stale, "mac", TOKEN.sign(stale.content())); // a genuine task, but recorded 11 minutes ago
        assertTrue(answer(stale).path("refused").asText().contains("outside ±10 min"));

        PoolTask hello = PoolTask.signed(TOKEN, PoolTask.Kind.HELLO, "{}", null);
        assertEquals("board-1", answer(hello).path("device").path("name").asText());
        assertEquals("replayed (its nonce was used before)", answer(hello).path("refused").asText());

        PoolTask unknown = PoolTask.signed(TOKEN, PoolTask.Kind.HELLO, "{}", null);
        set(unknown, "kind", "SHELL");
        set(unknown, "mac", TOKEN.sign(unknown.content()));
        assertEquals("unknown kind of task 'SHELL'", answer(unknown).path("refused").asText());

        assertEquals(6, agent.status().refused());
        assertTrue(agent.status().lastRefusal().startsWith("SHELL"), agent.status().lastRefusal());
    }

    @Test
    void filesAreStoredByTheirHashAndNothingIsWrittenOutsideTheCache() throws Exception {
        byte[] bytes = "not a model".getBytes(StandardCharsets.UTF_8);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        String wrong = "f".repeat(64);
        JsonNode refused = answer(PoolTask.signed(TOKEN, PoolTask.Kind.CHUNK, "{\"sha256\":\"" + wrong + "\",\"offset\":0,\"total\":" + bytes.length + "}", bytes));
        assertTrue(refused.path("refused").asText().contains("hashes to " + sha), refused.toString());
        assertEquals(List.of(wrong), cache.missing(List.of(wrong)));
        JsonNode stored = answer(PoolTask.signed(TOKEN, PoolTask.Kind.CHUNK, "{\"sha256\":\"" + sha + "\",\"offset\":0,\"total\":" + bytes.length + "}", bytes));
        assertTrue(stored.path("stored").asBoolean(), stored.toString());
        assertEquals(List.of(), cache.missing(List.of(sha)));
        JsonNode escape = answer(PoolTask.signed(TOKEN, PoolTask.Kind.CHUNK, "{\"sha256\":\"../../x\",\"offset\":0,\"total\":1}", new byte[1]));
        assertTrue(escape.path("refused").asText().contains("not a SHA-256"), escape.toString());

        MeasurementSetup setup = new MeasurementSetup("model/m.onnx", null, null, 1, 8, Map.of(), 1, "cpu", "all", TimingProtocol.QUICK, true, false);
        for (String path : List.of("../outside.onnx", "/etc/passwd", "model/../../outside", "C:\\\\evil")) {
            StudyPackage pkg = new StudyPackage(setup, PruningOptions.MAGNITUDE, QuantizationOptions.DEFAULT, false, sha,
                    List.of(new StudyPackage.PackedFile(path, sha, bytes.length)), 60, null);
            IOException e = assertThrows(IOException.class, () -> cache.materialize("a".repeat(64), pkg), path);
            assertTrue(e.getMessage().startsWith("refusing path"), e.getMessage());
        }
        assertFalse(Files.exists(dir.resolve("outside.onnx")) || Files.exists(dir.resolve("outside")));
        try (var all = Files.walk(dir)) {
            assertTrue(all.allMatch(p -> p.equals(dir) || p.startsWith(cache.root())), "everything written is under the cache folder");
        }
    }
}
