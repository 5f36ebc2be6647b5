package dev.lathe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One `lathe` command run in this JVM, as the tests that drive the CLI see it: its exit code and what it printed. */
public record CliRun(int exit, String out, String err) {
    /** Standard output and standard error together. */
    public String all() { return out + err; }

    public static CliRun lathe(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = LatheCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
