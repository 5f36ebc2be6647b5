package dev.lathe.cli;

import dev.lathe.pool.PoolToken;
import dev.lathe.pool.agent.Agent;
import dev.lathe.pool.agent.AgentStatus;
import dev.lathe.pool.net.HazelcastSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "agent", description = {"Measure candidates for searches on other machines: join the device pool POOL as device NAME and run until stopped.",
        "The pool token comes from --token-file or the LATHE_POOL_TOKEN environment variable, never from the command line.",
        "Hazelcast's Community Edition has no encryption: on an untrusted network bind to 127.0.0.1 and reach the agent through an SSH tunnel or a VPN (docs/pool.md)."})
final class AgentCommand implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "NAME", description = "this device's name in the pool (stable across restarts)") String name;

    @Option(names = "--pool", paramLabel = "POOL", description = "the pool of identical devices to join") String pool;

    @Option(names = "--bind", paramLabel = "HOST:PORT", description = "the one interface and port to listen on") String bind;

    @Option(names = "--members", paramLabel = "HOST:PORT,...", description = "other agents of the pool to join (none: start the pool)") String members;

    @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the pool token (default: $LATHE_POOL_TOKEN)") Path tokenFile;

    @Option(names = "--cache", paramLabel = "DIR", description = "the only folder the agent writes to (default ~/.cache/lathe/agent-NAME)") Path cache;

    @Option(names = "--heartbeat-seconds", defaultValue = "60", paramLabel = "S",
            description = "a member silent this long leaves the pool (default ${DEFAULT-VALUE})") int heartbeatSeconds;

    @Option(names = "--status", description = "show what the agent with this --cache (or --name, or every agent of this user) is doing, and exit") boolean status;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (status) return status(out);
        if (name == null || pool == null || bind == null)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "an agent needs --name, --pool and --bind (or --status)");
        PoolToken token = PoolToken.read(tokenFile);
        Agent.Options options = new Agent.Options(name, pool, HazelcastSetup.Address.parse(bind), HazelcastSetup.Address.parseList(members), token,
                cache != null ? cache : Agent.Options.defaultCache(name), heartbeatSeconds);
        PrintWriter err = spec.commandLine().getErr();
        Agent agent = Agent.start(options, line -> {
            synchronized (err) {
                err.println(Instant.now() + " " + line);
                err.flush();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "lathe-agent-stop"));
        agent.awaitStop();
        return 0;
    }

    private int status(PrintWriter out) throws IOException {
        List<Path> folders;
        if (cache != null) folders = List.of(cache);
        else if (name != null) folders = List.of(Agent.Options.defaultCache(name));
        else {
            Path base = Agent.Options.defaultCache("x").getParent();
            try (Stream<Path> s = Files.isDirectory(base) ? Files.list(base) : Stream.empty()) {
                folders = s.filter(p -> p.getFileName().toString().startsWith("agent-")).sorted().toList();
            }
        }
        int shown = 0;
        for (Path f : folders) {
            Path file = f.resolve("status.json");
            if (!Files.isRegularFile(file)) continue;
            out.println(AgentStatus.read(file).describe());
            shown++;
        }
        if (shown == 0) {
            out.println("no agent has run with " + (folders.size() == 1 ? "cache " + folders.get(0) : "the default cache folders"));
            return 1;
        }
        return 0;
    }
}
