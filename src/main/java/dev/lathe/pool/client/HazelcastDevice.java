package dev.lathe.pool.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.SessionInfo;
import dev.lathe.pool.DeviceDescription;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.net.HazelcastSetup;
import dev.lathe.pool.net.PoolSerialization;
import dev.lathe.pool.net.PoolTask;
import dev.lathe.pool.schedule.Candidate;
import dev.lathe.pool.schedule.Device;
import dev.lathe.pool.schedule.DeviceLostException;
import dev.lathe.pool.schedule.DeviceRefusedException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One agent as the scheduler sees it, through the search's Hazelcast client: every call is a signed
 * {@link PoolTask} sent to this member ({@code submitToMember}, never a random one) and waited for with a
 * timeout. Before its first measurement the device is sent the files it lacks, in chunks. Whatever keeps the
 * answer from coming (the member left, the connection dropped, heartbeats stopped, no answer in time) is
 * {@link DeviceLostException}; an agent's refusal is {@link DeviceRefusedException}.
 */
final class HazelcastDevice implements Device {
    static final int CHUNK_BYTES = 4 << 20;
    /** Time for a first call, which prepares the study on the agent: worker start-up, loading, calibration. */
    private static final double PREPARE_SECONDS = 600;

    private final HazelcastInstance client;
    private final Member member;
    private final DeviceDescription description;
    private final StudyUpload study;
    private final PoolToken token;
    private final Consumer<String> log;
    private boolean prepared;
    private boolean uploaded;

    HazelcastDevice(HazelcastInstance client, Member member, DeviceDescription description, StudyUpload study, PoolToken token, Consumer<String> log) {
        this.client = client;
        this.member = member;
        this.description = description;
        this.study = study;
        this.token = token;
        this.log = log;
    }

    @Override
    public String id() { return member.getUuid().toString(); }

    @Override
    public DeviceDescription description() { return description; }

    /** Checks the agent accepts this client's token; the answer's device description. */
    JsonNode hello() throws DeviceLostException, DeviceRefusedException {
        return call(HazelcastSetup.FILES_EXECUTOR, PoolTask.Kind.HELLO, "{}", null, 60);
    }

    @Override
    public synchronized Measurement measure(Candidate c) throws DeviceLostException, DeviceRefusedException, CandidateFailedException {
        upload();
        ObjectNode p = PoolSerialization.JSON.createObjectNode();
        p.set("study", study.packageJson());
        p.put("candidate", c.id());
        p.put("genome", c.genomeJson());
        return measured(call(HazelcastSetup.MEASURE_EXECUTOR, PoolTask.Kind.MEASURE, p.toString(), null, timeout()));
    }

    @Override
    public synchronized Measurement reference() throws DeviceLostException, DeviceRefusedException, CandidateFailedException {
        upload();
        ObjectNode p = PoolSerialization.JSON.createObjectNode();
        p.set("study", study.packageJson());
        return measured(call(HazelcastSetup.MEASURE_EXECUTOR, PoolTask.Kind.REFERENCE, p.toString(), null, timeout()));
    }

    @Override
    public synchronized dev.lathe.eval.timing.InterleavedComparison.Result confirm(Candidate c)
            throws DeviceLostException, DeviceRefusedException, CandidateFailedException {
        upload();
        ObjectNode p = PoolSerialization.JSON.createObjectNode();
        p.set("study", study.packageJson());
        p.put("candidate", c.id());
        p.put("genome", c.genomeJson());
        JsonNode answer = call(HazelcastSetup.MEASURE_EXECUTOR, PoolTask.Kind.CONFIRM, p.toString(), null, timeout());
        measuredOrFailed(answer);
        return PoolSerialization.JSON.convertValue(answer.path("comparison"), dev.lathe.eval.timing.InterleavedComparison.Result.class);
    }

    private double timeout() {
        double t = study.pkg().requestSeconds() + 120;
        return prepared ? t : t + PREPARE_SECONDS;
    }

    /** Sends the study's files the agent does not have yet, once per device. */
    private void upload() throws DeviceLostException, DeviceRefusedException {
        if (uploaded) return;
        ObjectNode q = PoolSerialization.JSON.createObjectNode();
        var shas = q.putArray("sha256");
        study.pkg().files().forEach(f -> shas.add(f.sha256()));
        List<String> missing = new ArrayList<>();
        call(HazelcastSetup.FILES_EXECUTOR, PoolTask.Kind.MISSING, q.toString(), null, 60).path("missing").forEach(s -> missing.add(s.asText()));
        long bytes = 0;
        for (String sha : missing) {
            try (InputStream in = Files.newInputStream(study.localFiles().get(sha))) {
                long total = Files.size(study.localFiles().get(sha));
                long offset = 0;
                do {
                    byte[] chunk = in.readNBytes((int) Math.min(CHUNK_BYTES, total - offset));
                    ObjectNode p = PoolSerialization.JSON.createObjectNode();
                    p.put("sha256", sha);
                    p.put("offset", offset);
                    p.put("total", total);
                    call(HazelcastSetup.FILES_EXECUTOR, PoolTask.Kind.CHUNK, p.toString(), chunk, 120);
                    offset += chunk.length;
                } while (offset < total);
                bytes += total;
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + study.localFiles().get(sha) + " to send it: " + e.getMessage(), e);
            }
        }
        if (!missing.isEmpty()) log.accept("sent " + missing.size() + " file(s), " + bytes / 1024 + " KiB, to " + description.name());
        uploaded = true;
    }

    private Measurement measured(JsonNode answer) throws CandidateFailedException, DeviceRefusedException {
        measuredOrFailed(answer);
        return PoolSerialization.JSON.convertValue(answer.path("measurement"), Measurement.class);
    }

    /** Checks an answer's session (the data it read) and failure; throws what they say. */
    private void measuredOrFailed(JsonNode answer) throws CandidateFailedException, DeviceRefusedException {
        prepared = true;
        JsonNode session = answer.path("session");
        if (!session.isMissingNode() && study.expectedFingerprint() != null) {
            SessionInfo info = PoolSerialization.JSON.convertValue(session, SessionInfo.class);
            study.sessions().accept(info);
            if (!study.expectedFingerprint().equals(info.dataFingerprint()))
                throw new DeviceRefusedException("it read different evaluation data (" + info.dataDescription() + ", " + info.dataFingerprint()
                        + ") than the search (" + study.expectedFingerprint() + ")");
        }
        if (answer.has("failed"))
            throw new CandidateFailedException(CandidateFailedException.Kind.valueOf(answer.path("kind").asText("ERROR")),
                    answer.path("failed").asText() + " (on " + description.name() + ")", null);
    }

    private JsonNode call(String executor, PoolTask.Kind kind, String payload, byte[] blob, double timeoutSeconds)
            throws DeviceLostException, DeviceRefusedException {
        Future<String> f;
        try {
            f = client.getExecutorService(executor).submitToMember(PoolTask.signed(token, kind, payload, blob), member);
        } catch (RuntimeException e) {
            throw new DeviceLostException(describe(e), e);
        }
        String text;
        try {
            text = f.get((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new DeviceLostException(String.format(java.util.Locale.ROOT, "no answer within %.0f s", timeoutSeconds), e);
        } catch (ExecutionException e) {
            throw new DeviceLostException(describe(e.getCause() == null ? e : e.getCause()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceLostException("interrupted while waiting for it", e);
        } catch (RuntimeException e) {
            throw new DeviceLostException(describe(e), e);
        }
        JsonNode answer;
        try {
            answer = PoolSerialization.JSON.readTree(text);
        } catch (IOException e) {
            throw new DeviceRefusedException("answered something that is not JSON: " + text);
        }
        if (answer.has("refused")) throw new DeviceRefusedException(answer.path("refused").asText());
        return answer;
    }

    /** "MemberLeftException: ..." – Hazelcast's own exception names say what happened. */
    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 200 ? m.substring(0, 200) + "…" : m));
    }
}
