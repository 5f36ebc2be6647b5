package dev.lathe.pool.agent;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * What an agent is doing, kept in its cache folder's {@code status.json} so {@code lathe agent --status} can
 * show it without joining the pool: the device, its state (starting, idle, preparing, measuring, reference,
 * stopped), the model and candidate at hand, counts, and the last refusal and error.
 */
public record AgentStatus(String name, String pool, String bind, long pid, String startedAt, String state, String model, Long candidate,
                          int measured, int references, int refused, String lastRefusal, String lastError, int members, String updatedAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static AgentStatus starting(String name, String pool, String bind) {
        String now = Instant.now().toString();
        return new AgentStatus(name, pool, bind, ProcessHandle.current().pid(), now, "starting", null, null, 0, 0, 0, null, null, 0, now);
    }

    AgentStatus with(String state, String model, Long candidate) {
        return new AgentStatus(name, pool, bind, pid, startedAt, state, model, candidate, measured, references, refused, lastRefusal, lastError,
                members, Instant.now().toString());
    }

    AgentStatus counted(int dMeasured, int dReferences) {
        return new AgentStatus(name, pool, bind, pid, startedAt, state, model, candidate, measured + dMeasured, references + dReferences, refused,
                lastRefusal, lastError, members, Instant.now().toString());
    }

    AgentStatus refusedBecause(String reason) {
        return new AgentStatus(name, pool, bind, pid, startedAt, state, model, candidate, measured, references, refused + 1, reason, lastError,
                members, Instant.now().toString());
    }

    AgentStatus failedBecause(String error) {
        return new AgentStatus(name, pool, bind, pid, startedAt, state, model, candidate, measured, references, refused, lastRefusal, error,
                members, Instant.now().toString());
    }

    AgentStatus withMembers(int n) {
        return new AgentStatus(name, pool, bind, pid, startedAt, state, model, candidate, measured, references, refused, lastRefusal, lastError,
                n, Instant.now().toString());
    }

    void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // status is for people; the agent goes on measuring
        }
    }

    public static AgentStatus read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), AgentStatus.class);
    }

    /** Whether the process that wrote this is still running (on this machine). */
    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Lines for a person. */
    public String describe() {
        boolean up = alive() && !state.equals("stopped");
        StringBuilder b = new StringBuilder();
        b.append("agent ").append(name).append(" of pool ").append(pool).append(" on ").append(bind).append(" (pid ").append(pid).append(", ")
                .append(up ? "running" : "not running").append(", since ").append(startedAt).append(")\n");
        b.append("  state: ").append(up ? state : "stopped");
        if (model != null) b.append(" · model ").append(model);
        if (candidate != null) b.append(" · candidate ").append(candidate);
        b.append("\n  measured ").append(measured).append(" candidates, ").append(references).append(" references; refused ").append(refused)
                .append(" tasks; ").append(members).append(" members in the pool\n");
        if (lastRefusal != null) b.append("  last refusal: ").append(lastRefusal).append('\n');
        if (lastError != null) b.append("  last error: ").append(lastError).append('\n');
        b.append("  updated ").append(updatedAt);
        return b.toString();
    }
}
