package dev.lathe.pool.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.Measurement;
import dev.lathe.pool.DeviceDescription;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.StudyPackage;
import dev.lathe.pool.net.PoolSerialization;
import dev.lathe.pool.net.PoolTask;
import dev.lathe.pool.net.TaskHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What an agent does with a task: first the checks (signed, signed with this pool's token, issued within
 * {@value #MAX_AGE_MINUTES} minutes, nonce never seen), refusing and logging anything that fails them; then
 * only the kinds of {@link PoolTask.Kind}, each a measurement or what a measurement needs. Measurements and
 * references arrive on the one-thread executor; the study they name is prepared on first use and kept until
 * another study comes.
 */
public final class AgentService implements TaskHandler {
    private static final ObjectMapper JSON = PoolSerialization.JSON;
    static final int MAX_AGE_MINUTES = 10;
    private static final int NONCES_KEPT = 100_000;

    private final DeviceDescription device;
    private final PoolToken token;
    private final AgentCache cache;
    private final Consumer<String> log;
    /** Nonces of the tasks accepted lately: a replayed task (same nonce) is refused. */
    private final Map<String, Long> nonces = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > NONCES_KEPT || eldest.getValue() < System.currentTimeMillis() - 2L * MAX_AGE_MINUTES * 60_000;
        }
    };
    private AgentStudy study;
    private AgentStatus status;

    public AgentService(DeviceDescription device, PoolToken token, AgentCache cache, String bind, Consumer<String> log) {
        this.device = device;
        this.token = token;
        this.cache = cache;
        this.log = log;
        this.status = AgentStatus.starting(device.name(), device.pool(), bind);
        status.write(cache.statusFile());
    }

    /** Why the task must not run, or null. */
    String rejection(PoolTask t) {
        if (t.mac() == null || t.mac().length == 0) return "unsigned task";
        if (!token.verifies(t.content(), t.mac())) return "signature does not match this pool's token";
        long age = System.currentTimeMillis() - t.issuedAtMillis();
        if (Math.abs(age) > MAX_AGE_MINUTES * 60_000L)
            return "issued " + (age / 1000) + " s from now, outside ±" + MAX_AGE_MINUTES + " min (a replayed task or a clock far off)";
        synchronized (nonces) {
            if (nonces.putIfAbsent(t.nonce(), System.currentTimeMillis()) != null) return "replayed (its nonce was used before)";
        }
        try {
            PoolTask.Kind.valueOf(t.kind());
        } catch (IllegalArgumentException | NullPointerException e) {
            return "unknown kind of task '" + t.kind() + "'";
        }
        return null;
    }

    @Override
    public String handle(PoolTask t) {
        String why = rejection(t);
        if (why != null) {
            log.accept("REFUSED " + t.kind() + " task: " + why);
            update(s -> s.refusedBecause(t.kind() + ": " + why));
            return TaskHandler.refusal(why);
        }
        try {
            JsonNode payload = t.payload() == null ? JSON.createObjectNode() : JSON.readTree(t.payload());
            return switch (PoolTask.Kind.valueOf(t.kind())) {
                case HELLO -> hello();
                case MISSING -> missing(payload);
                case CHUNK -> chunk(payload, t.blob());
                case MEASURE -> measure(payload);
                case REFERENCE -> reference(payload);
                case CONFIRM -> confirm(payload);
            };
        } catch (Exception | OutOfMemoryError e) {
            String m = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            log.accept(t.kind() + " failed: " + m);
            update(s -> s.failedBecause(m).with("idle", s.model(), null));
            return TaskHandler.refusal(m);
        }
    }

    private String hello() {
        ObjectNode n = JSON.createObjectNode();
        n.set("device", JSON.valueToTree(device));
        n.put("token", token.fingerprint());
        n.put("state", status.state());
        return n.toString();
    }

    private String missing(JsonNode payload) {
        List<String> shas = new ArrayList<>();
        payload.path("sha256").forEach(s -> shas.add(s.asText()));
        ObjectNode n = JSON.createObjectNode();
        n.set("missing", JSON.valueToTree(cache.missing(shas)));
        return n.toString();
    }

    private String chunk(JsonNode payload, byte[] blob) throws java.io.IOException {
        boolean stored = cache.putChunk(payload.path("sha256").asText(), payload.path("offset").asLong(), payload.path("total").asLong(),
                blob == null ? new byte[0] : blob);
        if (stored) log.accept("stored " + payload.path("sha256").asText().substring(0, 12) + " (" + payload.path("total").asLong() + " bytes)");
        ObjectNode n = JSON.createObjectNode();
        n.put("stored", stored);
        return n.toString();
    }

    private AgentStudy study(JsonNode payload) throws Exception {
        JsonNode node = payload.path("study");
        StudyPackage pkg = JSON.treeToValue(node, StudyPackage.class);
        String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(node.toString().getBytes(StandardCharsets.UTF_8)));
        if (study != null && study.key.equals(key)) return study;
        if (study != null) study.close();
        study = null;
        update(s -> s.with("preparing", null, null));
        log.accept("preparing study " + key.substring(0, 12) + " (" + pkg.files().size() + " files)");
        study = AgentStudy.open(key, pkg, cache.materialize(key, pkg), cache, log);
        log.accept("ready: " + study.info().dataDescription() + ", " + study.info().evaluationSamples() + " evaluation samples");
        return study;
    }

    private String measure(JsonNode payload) throws Exception {
        AgentStudy s = study(payload);
        long id = payload.path("candidate").asLong();
        update(st -> st.with("measuring", s.originalName(), id));
        ObjectNode n = JSON.createObjectNode();
        try {
            AgentStudy.Measured m = s.measure(payload.path("genome").asText());
            n.set("measurement", JSON.valueToTree(m.measurement()));
            n.put("candidateSha256", m.candidateSha256());
            n.put("buildSeconds", m.buildSeconds());
            log.accept(String.format(java.util.Locale.ROOT, "candidate %d: %.3f ms", id, m.measurement().latency().medianMs()));
            update(st -> st.counted(1, 0).with("idle", s.originalName(), null));
        } catch (CandidateFailedException e) {
            n.put("failed", e.getMessage());
            n.put("kind", e.kind().name());
            log.accept("candidate " + id + " failed: " + e.getMessage());
            update(st -> st.counted(1, 0).failedBecause("candidate " + id + ": " + e.getMessage()).with("idle", s.originalName(), null));
        }
        n.set("session", JSON.valueToTree(s.info()));
        return n.toString();
    }

    /** A front candidate timed interleaved with the original in this agent's worker; not counted as a measurement. */
    private String confirm(JsonNode payload) throws Exception {
        AgentStudy s = study(payload);
        long id = payload.path("candidate").asLong();
        update(st -> st.with("confirming", s.originalName(), id));
        ObjectNode n = JSON.createObjectNode();
        try {
            var r = s.confirm(payload.path("genome").asText());
            n.set("comparison", JSON.valueToTree(r));
            log.accept(String.format(java.util.Locale.ROOT, "candidate %d confirmed: %.2fx (%.2f-%.2f, %d ABBA cycles)", id, r.speedup(), r.low(),
                    r.high(), r.cycles()));
            update(st -> st.with("idle", s.originalName(), null));
        } catch (CandidateFailedException e) {
            n.put("failed", e.getMessage());
            n.put("kind", e.kind().name());
            log.accept("confirming candidate " + id + " failed: " + e.getMessage());
            update(st -> st.failedBecause("confirming candidate " + id + ": " + e.getMessage()).with("idle", s.originalName(), null));
        }
        n.set("session", JSON.valueToTree(s.info()));
        return n.toString();
    }

    private String reference(JsonNode payload) throws Exception {
        AgentStudy s = study(payload);
        update(st -> st.with("reference", s.originalName(), null));
        ObjectNode n = JSON.createObjectNode();
        try {
            Measurement m = s.reference();
            n.set("measurement", JSON.valueToTree(m));
            update(st -> st.counted(0, 1).with("idle", s.originalName(), null));
        } catch (CandidateFailedException e) {
            n.put("failed", e.getMessage());
            n.put("kind", e.kind().name());
            update(st -> st.failedBecause("reference: " + e.getMessage()).with("idle", s.originalName(), null));
        }
        n.set("session", JSON.valueToTree(s.info()));
        return n.toString();
    }

    synchronized void update(java.util.function.UnaryOperator<AgentStatus> change) {
        status = change.apply(status);
        status.write(cache.statusFile());
    }

    synchronized AgentStatus status() { return status; }

    void close() {
        if (study != null) study.close();
        update(s -> s.with("stopped", s.model(), null));
    }
}
