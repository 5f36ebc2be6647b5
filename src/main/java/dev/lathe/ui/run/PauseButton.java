package dev.lathe.ui.run;

import dev.lathe.ui.common.Command;
import dev.lathe.ui.common.Ui;
import dev.lathe.ui.search.SearchViewModel;

import javafx.scene.control.Button;
import javafx.scene.control.Tooltip;

/** The run bar's Pause / Resume toggle: pausing lets the candidate in flight finish, then measures nothing until Resume. */
public final class PauseButton {
    static final String PAUSE_ICON = "M0,0 H4 V13 H0 Z M7,0 H11 V13 H7 Z";

    private PauseButton() {}

    /** A button running {@code pause} (which toggles), labelled after what pressing it would do. */
    public static Button create(SearchViewModel s, Command pause) {
        Button b = new Button();
        b.setId("pauseButton");
        b.textProperty().bind(s.pauseRequestedProperty().map(p -> p ? "Resume" : "Pause"));
        b.graphicProperty().bind(s.pauseRequestedProperty().map(p -> Ui.icon(p ? Ui.PLAY : PAUSE_ICON)));
        pause.bind(b);
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(s.pauseRequestedProperty().map(p -> p
                ? "Go on with the search where it paused (same strategy state)"
                : "Pause after the candidate being measured; the worker waits idle and paused time does not count in the time left"));
        b.setTooltip(tip);
        b.setMinWidth(Button.USE_PREF_SIZE);
        return b;
    }
}
