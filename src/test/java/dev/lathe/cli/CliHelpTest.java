package dev.lathe.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** Every sub-command answers --help with its own usage and exit 0, even when it has required options. */
class CliHelpTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = LatheCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everySubCommandPrintsItsHelpAndExitsZero() {
        for (String name : LatheCommand.subcommandNames()) {
            Run r = run(name, "--help");
            assertEquals(0, r.exit(), name + " --help: " + r.err());
            assertTrue(r.out().contains("Usage: lathe " + name), name + " --help printed: " + r.out());
            assertFalse(r.err().contains("Missing required"), r.err());
        }
    }

    @Test
    void searchWithoutItsRequiredOptionsStillFailsWithExitTwo() {
        Run r = run("search", "sample:digits-mlp");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--study"), r.err());
    }

    @Test
    void bashCompletionCoversTheSubCommands() {
        Run r = run("generate-completion");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("complete -F"), "not a bash completion script");
        for (String name : new String[] {"inspect", "search", "candidates", "export"})
            assertTrue(r.out().contains(name), "completion lacks " + name);
    }
}
