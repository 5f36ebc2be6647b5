package dev.lathe.cli;

import dev.lathe.LatheVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The command-line entry: sub-commands over the same services the desktop UI uses. */
// scope INHERIT gives every sub-command --help and --version, so `lathe search --help` prints help (exit 0)
// instead of complaining about the options it requires.
@Command(name = "lathe", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = LatheCommand.Version.class,
        description = "Prune and quantize ONNX models against latency measured on this machine.",
        subcommands = {InspectCommand.class, SearchCommand.class, CandidatesCommand.class, ExportCommand.class, BenchCommand.class,
                CompareCommand.class, PruneCommand.class, SensitivityCommand.class, ApplyCommand.class, ProfileCommand.class, DiffCommand.class, AgentCommand.class,
                DistillCommand.class, TabulateCommand.class, BenchmarkSearchCommand.class,
                CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class})
public final class LatheCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing sub-command (inspect, search, candidates, export, bench, compare, prune, sensitivity, apply)");
    }

    /** The sub-commands' names, read from the annotations without building the picocli model. */
    public static Set<String> subcommandNames() {
        return Arrays.stream(LatheCommand.class.getAnnotation(Command.class).subcommands())
                .map(c -> c.getAnnotation(Command.class).name())
                .collect(Collectors.toUnmodifiableSet());
    }

    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new LatheCommand());
        cl.setOut(out);
        cl.setErr(err);
        // One line naming the problem instead of a stack trace; LATHE_DEBUG=1 shows the trace.
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            line.getErr().println("lathe: " + message(ex));
            if (System.getenv("LATHE_DEBUG") != null) ex.printStackTrace(line.getErr());
            return 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("lathe: " + ex.getMessage() + " (see 'lathe " + ex.getCommandLine().getCommandName() + " --help')");
            return 2;
        });
        return cl.execute(args);
    }

    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.ExecutionException)) t = t.getCause();
        String m = t.getMessage();
        if (m == null || m.isBlank()) m = t.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Lathe " + LatheVersion.get()};
        }
    }
}
