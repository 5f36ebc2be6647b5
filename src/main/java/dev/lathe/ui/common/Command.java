package dev.lathe.ui.common;

import javafx.beans.binding.BooleanExpression;
import javafx.beans.value.ObservableBooleanValue;
import javafx.scene.control.ButtonBase;
import javafx.scene.control.MenuItem;

/**
 * An action with the one rule for when it may run (as JabRef's {@code SimpleCommand} with its {@code executable}
 * property). The menu item, the button and the shortcut are all made from it, so they cannot disagree about
 * whether the action is allowed, and running it when it is not does nothing.
 */
public final class Command {
    private final BooleanExpression executable;
    private final Runnable action;

    public Command(ObservableBooleanValue executable, Runnable action) {
        this.executable = BooleanExpression.booleanExpression(executable);
        this.action = action;
    }

    /** Whether the action may run now. */
    public BooleanExpression executableProperty() { return executable; }

    public boolean isExecutable() { return executable.get(); }

    /** Runs the action if it is allowed now (a shortcut or a stale event can arrive after the rule changed). */
    public void execute() {
        if (isExecutable()) action.run();
    }

    /** Makes {@code item} run this command and be disabled whenever it may not run. */
    public <T extends MenuItem> T bind(T item) {
        item.setOnAction(e -> execute());
        item.disableProperty().bind(executable.not());
        return item;
    }

    /** Makes {@code button} run this command and be disabled whenever it may not run. */
    public <T extends ButtonBase> T bind(T button) {
        button.setOnAction(e -> execute());
        button.disableProperty().bind(executable.not());
        return button;
    }
}
