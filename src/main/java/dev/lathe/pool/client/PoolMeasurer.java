package dev.lathe.pool.client;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.core.HazelcastInstance;
import dev.lathe.pool.DeviceDescription;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.StudyPackage;
import dev.lathe.pool.net.HazelcastSetup;
import dev.lathe.pool.net.PoolSerialization;
import dev.lathe.pool.schedule.Candidate;
import dev.lathe.pool.schedule.DeviceLostException;
import dev.lathe.pool.schedule.DeviceMeasurement;
import dev.lathe.pool.schedule.DeviceRefusedException;
import dev.lathe.pool.schedule.DeviceState;
import dev.lathe.pool.schedule.Scheduler;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Measures a study's candidates on a pool: a Hazelcast client of the pool's agents that follows membership
 * live (each agent that joins is greeted with a signed hello and, if it accepts the token and matches the pool,
 * handed to the {@link Scheduler}; one that leaves is quarantined there) and takes candidates as genomes. What
 * a search uses to measure a generation at once: submit each candidate, collect the futures.
 */
public final class PoolMeasurer implements AutoCloseable {
    /**
     * {@code heartbeatSeconds}: a device silent this long is lost (60 by default, as Hazelcast's client);
     * {@code referenceEvery} and {@code referenceMinutes}: how many candidates and how long at most between a
     * device's references of the original; {@code waitSeconds}: how long {@link #start()} waits for a first device.
     */
    public record Options(String pool, List<HazelcastSetup.Address> members, PoolToken token, int heartbeatSeconds, int referenceEvery,
                          double referenceMinutes, double waitSeconds) {
        public Options {
            HazelcastSetup.clusterName(pool);
            members = List.copyOf(members);
            if (!(referenceMinutes > 0)) throw new IllegalArgumentException("the reference interval must be positive minutes, got " + referenceMinutes);
        }

        /** References by count alone, and every 2 minutes (the study default). */
        public Options(String pool, List<HazelcastSetup.Address> members, PoolToken token, int heartbeatSeconds, int referenceEvery, double waitSeconds) {
            this(pool, members, token, heartbeatSeconds, referenceEvery, dev.lathe.config.MeasuringConfig.DEFAULT.referenceMinutes(), waitSeconds);
        }

        /** The same pool with the reference schedule a study asks for (a resumed study keeps its own). */
        public Options withReferences(int every, double minutes) {
            return new Options(pool, members, token, heartbeatSeconds, every, minutes, waitSeconds);
        }
    }

    /** Hazelcast's client warns at length about each lost connection; the scheduler's messages say what matters. Held so the level stays. */
    private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");

    private final Options options;
    private final StudyUpload study;
    private final Scheduler scheduler;
    private final Consumer<String> log;
    private final Map<String, String> refusals = new LinkedHashMap<>();
    private HazelcastInstance client;
    private final java.util.concurrent.atomic.AtomicReference<dev.lathe.eval.SessionInfo> firstSession = new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * {@code localFiles} says where each file of {@code pkg} is read from here; {@code expectedFingerprint} is the
     * evaluation data's fingerprint as the search computed it (null to skip the check).
     */
    public PoolMeasurer(Options options, StudyPackage pkg, Map<String, Path> localFiles, String expectedFingerprint, Scheduler.Listener listener) {
        this.options = options;
        this.study = new StudyUpload(pkg, PoolSerialization.JSON.valueToTree(pkg), Map.copyOf(localFiles), expectedFingerprint,
                s -> firstSession.compareAndSet(null, s));
        Scheduler.Listener l = listener == null ? new Scheduler.Listener() {} : listener;
        this.log = l::message;
        this.scheduler = new Scheduler(options.referenceEvery(), options.referenceMinutes(), System::nanoTime, l);
    }

    /** Connects and waits until a device has accepted this client; refused everywhere (or no agent at all) is an error that says why. */
    public PoolMeasurer start() throws InterruptedException {
        HAZELCAST_LOG.setLevel(java.util.logging.Level.SEVERE);
        client = HazelcastClient.newHazelcastClient(HazelcastSetup.client(options.pool(), options.members(), options.heartbeatSeconds()));
        client.getCluster().addMembershipListener(new InitialMembershipListener() {
            @Override
            public void init(InitialMembershipEvent e) {
                e.getMembers().forEach(m -> greetLater(m));
            }

            @Override
            public void memberAdded(MembershipEvent e) {
                greetLater(e.getMember());
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                scheduler.remove(e.getMember().getUuid().toString(), "left the pool");
            }
        });
        // Wait for a device that accepts; stop early once every member has answered and none did.
        long deadline = System.nanoTime() + (long) (options.waitSeconds() * 1e9);
        boolean accepted = false;
        while (!accepted && System.nanoTime() < deadline) {
            accepted = scheduler.awaitDevice(100);
            int refused;
            synchronized (refusals) {
                refused = refusals.size();
            }
            if (!accepted && refused > 0 && refused >= client.getCluster().getMembers().size()) break;
        }
        if (!accepted) {
            close();
            String why;
            synchronized (refusals) {
                why = refusals.isEmpty() ? "no agent answered" : String.join("; ", refusals.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
            }
            throw new IllegalStateException("no device of pool " + options.pool() + " accepted this search within "
                    + Math.round(options.waitSeconds()) + " s (" + why + ")");
        }
        return this;
    }

    /** Hellos are remote calls: never on Hazelcast's event thread. */
    private void greetLater(Member m) {
        Thread.ofVirtual().name("lathe-greet-" + m.getAddress()).start(() -> greet(m));
    }

    private void greet(Member m) {
        DeviceDescription d = DeviceDescription.fromAttributes(m.getAttributes());
        String who = d == null ? m.getAddress().toString() : d.name();
        if (d == null) {
            refuse(who, "not a Lathe agent");
            return;
        }
        if (!d.pool().equals(options.pool())) {
            refuse(who, "belongs to pool " + d.pool());
            return;
        }
        HazelcastDevice device = new HazelcastDevice(client, m, d, study, options.token(), log);
        try {
            device.hello();
        } catch (DeviceRefusedException e) {
            refuse(who, "refused this client: " + e.getMessage());
            return;
        } catch (DeviceLostException e) {
            refuse(who, "did not answer: " + e.getMessage());
            return;
        }
        String reason = scheduler.add(device);
        if (reason != null) refuse(who, reason);
        else log.accept("Device " + d.summary() + " joined");
    }

    private void refuse(String who, String why) {
        synchronized (refusals) {
            refusals.put(who, why);
        }
        log.accept("Device " + who + " is not used: " + why);
    }

    public CompletableFuture<DeviceMeasurement> submit(long candidateId, String genomeJson) {
        return scheduler.submit(new Candidate(candidateId, genomeJson));
    }

    /**
     * Every device seen, in the order they joined, and after them each member that was not used, as state
     * "refused" with the reason (a wrong token, another pool, a different CPU model, ONNX Runtime or Lathe version).
     */
    public List<DeviceState> devices() {
        List<DeviceState> out = new java.util.ArrayList<>(scheduler.devices());
        java.util.Set<String> known = new java.util.HashSet<>();
        for (DeviceState d : out) known.add(d.name());
        synchronized (refusals) {
            refusals.forEach((who, why) -> {
                if (!known.contains(who)) out.add(new DeviceState(who, who, "refused", null, 0, null, why));
            });
        }
        return out;
    }

    /** The members not used, each with why: what the log said when it refused them. */
    public Map<String, String> refusals() {
        synchronized (refusals) {
            return Map.copyOf(refusals);
        }
    }

    /** After the last candidate: each device measures its closing reference ({@link Scheduler#closingReferences}). */
    public boolean closingReferences(long millis) throws InterruptedException {
        return scheduler.closingReferences(millis);
    }

    /** The device the front is confirmed on ({@link Scheduler#confirmingDevice}), or null when none is left. */
    public DeviceState confirmingDevice() {
        return scheduler.confirmingDevice();
    }

    /** Rebuilds the candidate on device {@code deviceId} and times it A B B A against the original there. */
    public dev.lathe.eval.timing.InterleavedComparison.Result confirm(String deviceId, long candidateId, String genomeJson)
            throws DeviceLostException, DeviceRefusedException, dev.lathe.eval.CandidateFailedException {
        return scheduler.confirm(deviceId, new Candidate(candidateId, genomeJson));
    }

    /** What the first device to measure found when it prepared (its machine, the output kind), or null before any answered. */
    public dev.lathe.eval.SessionInfo firstSession() { return firstSession.get(); }

    public int activeDevices() { return scheduler.activeDevices(); }

    @Override
    public void close() {
        scheduler.close();
        if (client != null) client.shutdown();
    }
}
