package dev.lathe;

import dev.lathe.cli.LatheCommand;

/** {@code java -jar lathe.jar} opens the desktop workbench; with a sub-command it runs the command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            dev.lathe.ui.LatheApp.launchApp(args);
            return;
        }
        System.exit(LatheCommand.execute(args));
    }
}
