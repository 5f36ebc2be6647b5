package dev.lathe;

import dev.lathe.cli.LatheCommand;
import dev.lathe.ui.app.WindowStart;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code java -jar lathe.jar} opens the desktop workbench, and so does {@code lathe.jar FILE…} (how a desktop
 * entry or a file association starts it); with a sub-command it runs the command line.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        prepareStartupArchive();
        if (opensWindow(args)) {
            int exit = WindowStart.launch(args);
            if (exit != 0) System.exit(exit);
            return;
        }
        System.exit(LatheCommand.execute(args));
    }

    /**
     * The installed launcher keeps a class-data-sharing archive of the classes startup loads
     * ({@code -XX:SharedArchiveFile=… -XX:+AutoCreateSharedArchive}, about a second less to the first window).
     * The JVM writes that archive when it exits but does not create its folder, and fails the exit if the folder is
     * missing, so the folder is made here, before anything else runs. The launcher names it in
     * {@code lathe.startup.archive}; a plain {@code java -jar} run sets nothing and skips this.
     */
    private static void prepareStartupArchive() {
        String archive = System.getProperty("lathe.startup.archive");
        if (archive == null || archive.isBlank()) return;
        try {
            Path parent = Path.of(archive).toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (java.io.IOException | InvalidPathException e) {
            System.err.println("Lathe: cannot create the folder of the startup archive " + archive + ": " + e.getMessage());
        }
    }

    /** True for no arguments or only existing files (models or studies to open); anything else goes to the CLI. */
    static boolean opensWindow(String... args) {
        return Arrays.stream(args).allMatch(Main::isFileToOpen);
    }

    // A file that happens to carry a sub-command's name still runs the command.
    private static boolean isFileToOpen(String arg) {
        if (arg.isEmpty() || arg.startsWith("-") || LatheCommand.subcommandNames().contains(arg)) return false;
        try {
            return Files.isRegularFile(Path.of(arg));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
