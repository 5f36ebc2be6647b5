package dev.lathe.pool.net;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.RoutingMode;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastException;

import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Hazelcast configured the one way a pool uses it, in code (no XML, no environment lookup): explicit TCP/IP
 * members only (multicast, auto-detection and cloud discovery off), no phone-home, no Jet engine, the task
 * factory and serialization filter of {@link PoolSerialization}, and one executor of pool size 1 per member for
 * measurements (and another for file transfers), so a member never runs two measurements at once.
 */
public final class HazelcastSetup {
    /** Measurements and references, one at a time on each agent. */
    public static final String MEASURE_EXECUTOR = "lathe-measure";
    /** Hello, cache queries and file chunks: a second queue, so an upload does not wait for a measurement. */
    public static final String FILES_EXECUTOR = "lathe-files";

    private HazelcastSetup() {}

    /** The cluster a pool's agents form: its name comes from the pool, which is not a secret (anyone can join it). */
    public static String clusterName(String pool) {
        if (pool == null || !pool.matches("[A-Za-z0-9._-]{1,64}"))
            throw new IllegalArgumentException("a pool name is 1-64 letters, digits, '.', '_' or '-', got '" + pool + "'");
        return "lathe-pool-" + pool;
    }

    /** host:port, with the port required. */
    public record Address(String host, int port) {
        public static Address parse(String text) {
            String t = text == null ? "" : text.strip();
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1) throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
            try {
                int port = Integer.parseInt(t.substring(colon + 1));
                if (port < 1 || port > 65535) throw new NumberFormatException();
                return new Address(t.substring(0, colon), port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected HOST:PORT with a port in 1-65535, got '" + text + "'");
            }
        }

        public static List<Address> parseList(String text) {
            if (text == null || text.isBlank()) return List.of();
            return java.util.Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(Address::parse).toList();
        }

        @Override
        public String toString() { return host + ":" + port; }
    }

    /**
     * An agent's member: bound to {@code bind} only (its host is the one interface it listens on), joining
     * {@code members}; {@code attributes} describe the device. {@code heartbeatSeconds} is how long a silent
     * member stays in the cluster (Hazelcast's default 60 s; tests use a few seconds).
     */
    public static Config member(String pool, Address bind, List<Address> members, Map<String, String> attributes, int heartbeatSeconds) {
        Config c = new Config();
        c.setClusterName(clusterName(pool));
        c.setInstanceName("lathe-agent-" + attributes.getOrDefault("lathe.name", "agent") + "-" + bind.port());
        common(c.getProperties());
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(heartbeatSeconds));
        c.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(Math.max(1, Math.min(5, heartbeatSeconds / 4))));
        c.setProperty("hazelcast.client.max.no.heartbeat.seconds", Integer.toString(heartbeatSeconds));
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.getJetConfig().setEnabled(false);
        NetworkConfig n = c.getNetworkConfig();
        n.setPort(bind.port()).setPortAutoIncrement(false);
        n.setPublicAddress(bind.toString());
        n.getInterfaces().setEnabled(true).addInterface(interfaceOf(bind.host()));
        n.getRestApiConfig().setEnabled(false);
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getAwsConfig().setEnabled(false);
        j.getKubernetesConfig().setEnabled(false);
        var tcp = j.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(5);
        for (Address a : members) tcp.addMember(a.toString());
        if (members.isEmpty()) tcp.addMember(bind.toString());
        attributes.forEach((k, v) -> c.getMemberAttributeConfig().setAttribute(k, v));
        c.getExecutorConfig(MEASURE_EXECUTOR).setPoolSize(1).setQueueCapacity(16).setStatisticsEnabled(false);
        c.getExecutorConfig(FILES_EXECUTOR).setPoolSize(1).setQueueCapacity(64).setStatisticsEnabled(false);
        PoolSerialization.configure(c.getSerializationConfig());
        return c;
    }

    /** The search's client: connects to {@code members}, talks to every member directly (so tasks go to the one chosen). */
    public static ClientConfig client(String pool, List<Address> members, int heartbeatSeconds) {
        if (members.isEmpty()) throw new IllegalArgumentException("name at least one agent with --members HOST:PORT");
        ClientConfig c = new ClientConfig();
        c.setClusterName(clusterName(pool));
        c.setInstanceName("lathe-client-" + Long.toHexString(System.nanoTime()));
        common(c.getProperties());
        c.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(heartbeatSeconds * 1000L));
        c.setProperty("hazelcast.client.heartbeat.interval", Long.toString(Math.max(1000L, Math.min(5000L, heartbeatSeconds * 250L))));
        c.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        var n = c.getNetworkConfig();
        for (Address a : members) n.addAddress(a.toString());
        n.getClusterRoutingConfig().setRoutingMode(RoutingMode.ALL_MEMBERS);
        n.setRedoOperation(false);
        n.getAutoDetectionConfig().setEnabled(false);
        c.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(30_000);
        PoolSerialization.configure(c.getSerializationConfig());
        return c;
    }

    private static void common(java.util.Properties p) {
        p.setProperty("hazelcast.phone.home.enabled", "false");
        p.setProperty("hazelcast.logging.type", "jdk");
        p.setProperty("hazelcast.discovery.enabled", "false");
    }

    /** Hazelcast wants an interface address; "localhost" means loopback. */
    private static String interfaceOf(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) return "127.0.0.1";
        try {
            return java.net.InetAddress.getByName(host).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new HazelcastException("cannot resolve the address to bind, " + host, e);
        }
    }
}
