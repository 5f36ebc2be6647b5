package dev.lathe;

import dev.lathe.cli.LatheCommand;

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
        if (opensWindow(args)) {
            dev.lathe.ui.LatheApp.launchApp(args);
            return;
        }
        System.exit(LatheCommand.execute(args));
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
