package dev.lathe.pool.agent;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.lathe.pool.DeviceDescription;
import dev.lathe.pool.PoolToken;
import dev.lathe.pool.net.HazelcastSetup;
import dev.lathe.pool.net.TaskHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code lathe agent}: a Hazelcast member that measures candidates for searches elsewhere. It advertises its
 * device in member attributes, runs each signed task on its one-thread executor through {@link AgentService},
 * and keeps everything it writes in its cache folder (the JVM's temporary folder is pointed there too, so ONNX
 * Runtime's extracted library and the worker's crash reports stay inside).
 */
public final class Agent implements AutoCloseable {
    /** {@code heartbeatSeconds}: how long a silent member stays in the pool (Hazelcast's default is 60). */
    public record Options(String name, String pool, HazelcastSetup.Address bind, List<HazelcastSetup.Address> members, PoolToken token,
                          Path cache, int heartbeatSeconds) {
        public Options {
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}"))
                throw new IllegalArgumentException("a device name is 1-64 letters, digits, '.', '_' or '-', got '" + name + "'");
            HazelcastSetup.clusterName(pool);
            members = List.copyOf(members);
        }

        /** The folder an agent keeps its files in when none is given: ~/.cache/lathe/agent-NAME. */
        public static Path defaultCache(String name) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            return base.resolve("lathe").resolve("agent-" + name);
        }
    }

    /** Hazelcast says much at INFO; an agent's own log is what matters. Held so the level is not collected away. */
    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
    /** Warns on every start that Hazelcast lacks --add-opens, which only costs it some speed Lathe does not need. */
    private static final Logger MODULES_WARNING = Logger.getLogger("com.hazelcast.instance.impl.HazelcastInstanceFactory");

    private final HazelcastInstance member;
    private final AgentService service;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private Agent(HazelcastInstance member, AgentService service) {
        this.member = member;
        this.service = service;
    }

    public static Agent start(Options o, Consumer<String> log) throws IOException {
        AgentCache cache = new AgentCache(o.cache());
        System.setProperty("java.io.tmpdir", cache.tmp().toString());
        HAZELCAST_LOG.setLevel(Level.WARNING);
        MODULES_WARNING.setLevel(Level.SEVERE);
        DeviceDescription device = DeviceDescription.of(o.name(), o.pool());
        AgentService service = new AgentService(device, o.token(), cache, o.bind().toString(), log);
        Config config = HazelcastSetup.member(o.pool(), o.bind(), o.members(), device.attributes(), o.heartbeatSeconds());
        config.getUserContext().put(TaskHandler.USER_CONTEXT_KEY, service);
        HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        Agent agent = new Agent(member, service);
        member.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                log.accept("member joined: " + e.getMember().getAttribute("lathe.name") + " " + e.getMember().getAddress());
                service.update(s -> s.withMembers(e.getMembers().size()));
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                log.accept("member left: " + e.getMember().getAttribute("lathe.name") + " " + e.getMember().getAddress());
                service.update(s -> s.withMembers(e.getMembers().size()));
            }
        });
        service.update(s -> s.withMembers(member.getCluster().getMembers().size()).with("idle", null, null));
        log.accept("agent " + device.summary() + " in pool " + o.pool() + " on " + o.bind() + ", cache " + cache.root()
                + ", token " + o.token().fingerprint() + ", " + member.getCluster().getMembers().size() + " member(s)");
        return agent;
    }

    public AgentStatus status() { return service.status(); }

    /** Blocks until {@link #close()}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    @Override
    public void close() {
        try {
            member.shutdown();
        } finally {
            service.close();
            stopped.countDown();
        }
    }
}
