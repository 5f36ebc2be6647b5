package dev.lathe.ui.app;

import dev.lathe.ui.common.Ui;
import dev.lathe.ui.compare.CompareBar;

import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ScrollPane;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.stage.Modality;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.util.ArrayList;
import java.util.List;

/**
 * Help ▸ Keyboard shortcuts: every menu command that has a key, read from the menu bar itself (so the list
 * cannot drift from what the keys do), then the keys of the graph view.
 */
public final class ShortcutsDialog {
    /** One line of the list. */
    public record Shortcut(String section, String action, String keys) {}

    /** Keys the graph view and the candidates table handle themselves (no menu item carries them). */
    static final List<Shortcut> VIEW_KEYS = List.of(
            new Shortcut("Graph", "Zoom in / out", "+ / − or mouse wheel"),
            new Shortcut("Graph", "Fit the graph to the view", "0"),
            new Shortcut("Graph", "Pan", "Arrow keys or drag"),
            new Shortcut("Graph", "Next / previous match of the find field", "Enter / Shift+Enter"),
            new Shortcut("Graph", "Clear the find field", "Esc"),
            new Shortcut("Candidates", "Compare the two selected candidates", CompareBar.SHORTCUT.getDisplayText()),
            new Shortcut("Candidates", "Select a second candidate", "Ctrl+click"));

    private ShortcutsDialog() {}

    /** The menu commands with accelerators, in menu order, then {@link #VIEW_KEYS}. */
    public static List<Shortcut> list(MenuBar bar) {
        List<Shortcut> out = new ArrayList<>();
        for (Menu m : bar.getMenus()) collect(m.getText(), m.getItems(), out);
        out.addAll(VIEW_KEYS);
        return out;
    }

    private static void collect(String section, List<MenuItem> items, List<Shortcut> out) {
        for (MenuItem i : items) {
            if (i instanceof Menu sub) collect(section, sub.getItems(), out);
            else if (i.getAccelerator() != null) out.add(new Shortcut(section, i.getText().replace("…", ""), i.getAccelerator().getDisplayText()));
        }
    }

    /** Opens the list in a window of its own (not modal: it may stay open beside the work); Esc closes it. */
    static Stage show(Window owner, MenuBar bar) {
        GridPane grid = new GridPane();
        grid.setHgap(18);
        grid.setVgap(6);
        ColumnConstraints action = new ColumnConstraints();
        action.setMinWidth(260);
        grid.getColumnConstraints().addAll(action, new ColumnConstraints());
        int row = 0;
        String section = null;
        for (Shortcut s : list(bar)) {
            if (!s.section().equals(section)) {
                section = s.section();
                Label h = Ui.sectionHeader(section);
                grid.add(h, 0, row++, 2, 1);
            }
            Label key = Ui.label(s.keys(), "shortcut-key");
            key.setMinWidth(Label.USE_PREF_SIZE);
            grid.addRow(row++, Ui.label(s.action(), "form-label"), key);
        }
        VBox box = new VBox(grid);
        box.setPadding(new Insets(8, 22, 20, 22));
        box.getStyleClass().add("detail-box");
        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        scroll.setId("shortcutsDialog");
        scroll.getStyleClass().add("detail-panel");

        Stage stage = new Stage();
        stage.initOwner(owner);
        stage.initModality(Modality.NONE);
        stage.setTitle("Keyboard shortcuts");
        Scene scene = new Scene(scroll, 520, Math.min(640, 80 + 27.0 * row));
        if (owner != null && owner.getScene() != null) scene.getStylesheets().setAll(owner.getScene().getStylesheets());
        scene.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ESCAPE) stage.close();
        });
        stage.setScene(scene);
        stage.show();
        return stage;
    }
}
