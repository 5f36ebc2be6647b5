package dev.lathe.pool.net;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.lathe.pool.PoolToken;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;

/**
 * The one thing a client sends an agent: a kind ({@link Kind}), a JSON payload, optional bytes (a chunk of a
 * file), when it was issued, a random nonce, and an HMAC over all of them under the pool token. Serialized as
 * {@link IdentifiedDataSerializable}, field by field, so no Java serialization is involved at all; the answer is
 * a JSON string. On an agent, {@link #call()} hands the task to the agent's {@link TaskHandler}, which checks
 * the signature before anything else; the task itself does nothing.
 */
public final class PoolTask implements Callable<String>, IdentifiedDataSerializable, HazelcastInstanceAware {
    /** What a task asks for; nothing else can be asked. */
    public enum Kind {
        /** Describe the device and check the token. */
        HELLO,
        /** Which of these SHA-256s are not cached yet. */
        MISSING,
        /** One chunk of a file, by SHA-256. */
        CHUNK,
        /** Rebuild a candidate from its genome and measure it. */
        MEASURE,
        /** Measure the original again (the device's drift reference). */
        REFERENCE,
        /** Rebuild a front candidate from its genome and time it A B B A against the original (its confirmed speed-up). */
        CONFIRM
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private String kind;
    private long issuedAtMillis;
    private String nonce;
    private String payload;
    private byte[] blob;
    private byte[] mac;
    private transient HazelcastInstance instance;

    /** For Hazelcast's deserialization. */
    public PoolTask() {}

    private PoolTask(String kind, long issuedAtMillis, String nonce, String payload, byte[] blob, byte[] mac) {
        this.kind = kind;
        this.issuedAtMillis = issuedAtMillis;
        this.nonce = nonce;
        this.payload = payload;
        this.blob = blob;
        this.mac = mac;
    }

    /** A task signed with {@code token}, issued now. */
    public static PoolTask signed(PoolToken token, Kind kind, String payload, byte[] blob) {
        byte[] n = new byte[16];
        RANDOM.nextBytes(n);
        PoolTask t = new PoolTask(kind.name(), System.currentTimeMillis(), HexFormat.of().formatHex(n), payload, blob, null);
        t.mac = token == null ? null : token.sign(t.content());
        return t;
    }

    /** What the HMAC covers: every field but the HMAC, each length-prefixed so no two tasks share a content. */
    public byte[] content() {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            writeField(out, kind == null ? null : kind.getBytes(StandardCharsets.UTF_8));
            out.writeLong(issuedAtMillis);
            writeField(out, nonce == null ? null : nonce.getBytes(StandardCharsets.UTF_8));
            writeField(out, payload == null ? null : payload.getBytes(StandardCharsets.UTF_8));
            writeField(out, blob);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeField(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) out.write(b);
    }

    public String kind() { return kind; }

    public long issuedAtMillis() { return issuedAtMillis; }

    public String nonce() { return nonce; }

    public String payload() { return payload; }

    public byte[] blob() { return blob; }

    public byte[] mac() { return mac; }

    @Override
    public String call() {
        Object handler = instance == null ? null : instance.getUserContext().get(TaskHandler.USER_CONTEXT_KEY);
        if (!(handler instanceof TaskHandler h)) return TaskHandler.refusal("this member is not a Lathe agent");
        return h.handle(this);
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.instance = hazelcastInstance;
    }

    @Override
    public int getFactoryId() { return PoolSerialization.FACTORY_ID; }

    @Override
    public int getClassId() { return PoolSerialization.TASK_CLASS_ID; }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(kind);
        out.writeLong(issuedAtMillis);
        out.writeString(nonce);
        out.writeString(payload);
        out.writeByteArray(blob);
        out.writeByteArray(mac);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        kind = in.readString();
        issuedAtMillis = in.readLong();
        nonce = in.readString();
        payload = in.readString();
        blob = in.readByteArray();
        mac = in.readByteArray();
    }
}
