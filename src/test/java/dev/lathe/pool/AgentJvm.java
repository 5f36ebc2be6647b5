package dev.lathe.pool;

import dev.lathe.pool.agent.AgentStatus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real {@code lathe agent} in a JVM of its own on 127.0.0.1, for the multi-JVM pool tests. */
public final class AgentJvm implements AutoCloseable {
    public final String name;
    final int port;
    final Path cache;
    final Process process;
    final Path log;

    private AgentJvm(String name, int port, Path cache, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.cache = cache;
        this.process = process;
        this.log = log;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts agent {@code name} of {@code pool} joining {@code members} ("" for none) and waits until it is idle. */
    public static AgentJvm start(String name, String pool, String members, Path tokenFile, Path dir) throws Exception {
        int port = freePort();
        Path cache = dir.resolve("cache-" + name);
        Path log = dir.resolve(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "dev.lathe.Main", "agent", "--name", name, "--pool", pool,
                "--bind", "127.0.0.1:" + port, "--token-file", tokenFile.toString(), "--cache", cache.toString(), "--heartbeat-seconds", "6"));
        if (!members.isEmpty()) cmd.addAll(List.of("--members", members));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        AgentJvm a = new AgentJvm(name, port, cache, p, log);
        a.await(s -> s.state().equals("idle"), 90);
        return a;
    }

    public String address() { return "127.0.0.1:" + port; }

    public AgentStatus status() throws IOException {
        return AgentStatus.read(cache.resolve("status.json"));
    }

    /** Waits until the status satisfies {@code condition}; fails with the agent's log if it does not in time. */
    public AgentStatus await(Predicate<AgentStatus> condition, double seconds) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            if (Files.isRegularFile(cache.resolve("status.json"))) {
                try {
                    AgentStatus s = status();
                    if (condition.test(s)) return s;
                } catch (IOException e) {
                    // being rewritten
                }
            }
            if (!process.isAlive()) throw new AssertionError("agent " + name + " exited " + process.exitValue() + ":\n" + Files.readString(log));
            Thread.sleep(20);
        }
        throw new AssertionError("agent " + name + " did not reach the state in " + seconds + " s:\n" + Files.readString(log));
    }

    public void signal(String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            signal("CONT");
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
