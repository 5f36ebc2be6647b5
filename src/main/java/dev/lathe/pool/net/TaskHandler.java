package dev.lathe.pool.net;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The agent's side of a {@link PoolTask}: verifies it and answers with JSON. Kept in the member's user context. */
public interface TaskHandler {
    String USER_CONTEXT_KEY = "dev.lathe.pool.agent";

    String handle(PoolTask task);

    /** The answer to a task the agent will not run: {@code {"refused": reason}}. */
    static String refusal(String reason) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("refused", reason);
        return n.toString();
    }
}
