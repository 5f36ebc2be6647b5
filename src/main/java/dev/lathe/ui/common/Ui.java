package dev.lathe.ui.common;

import javafx.beans.binding.Bindings;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.shape.SVGPath;

import java.util.Locale;

/** Small building blocks the views share: icons, cards, section headers, tables that size to their rows. */
public final class Ui {
    public static final String PLAY = "M0,0 L11,6.5 L0,13 Z";
    public static final String STOP = "M0,0 H11 V11 H0 Z";
    public static final String FOLDER = "M0,2 Q0,0 2,0 H6 L8,2 H14 Q16,2 16,4 V11 Q16,13 14,13 H2 Q0,13 0,11 Z";
    public static final String REFRESH = "M8,1 A6,6 0 1 0 14,7 H12 A4,4 0 1 1 8,3 V6 L12,2 L8,-2 Z";
    public static final String EXPORT = "M7,0 L12,5 H9 V10 H5 V5 H2 Z M0,12 H14 V14 H0 Z";
    public static final String WARNING = "M8,0 L16,14 H0 Z M7,5 V9.5 H9 V5 Z M7,10.8 V12.6 H9 V10.8 Z";
    static final String ERROR = "M8,0 A8,8 0 1 1 7.99,0 Z M4.5,5.9 L6.4,4 L8,5.6 L9.6,4 L11.5,5.9 L9.9,7.5 L11.5,9.1 L9.6,11 L8,9.4 L6.4,11 L4.5,9.1 L6.1,7.5 Z";
    static final String CHECK = "M8,0 A8,8 0 1 1 7.99,0 Z M3.6,8.2 L5,6.8 L7,8.8 L11,4.8 L12.4,6.2 L7,11.6 Z";
    static final String INFO = "M8,0 A8,8 0 1 1 7.99,0 Z M7,7 V12 H9 V7 Z M7,4 V6 H9 V4 Z";

    private Ui() {}

    /** Controls that must show their whole label: a crowded bar shrinks its text fields and hints instead. */
    public static void keepWhole(javafx.scene.layout.Region... controls) {
        for (javafx.scene.layout.Region r : controls) r.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
    }

    public static SVGPath icon(String path, String... styleClasses) {
        SVGPath p = new SVGPath();
        p.setContent(path);
        p.getStyleClass().add("svg-icon");
        p.getStyleClass().addAll(styleClasses);
        return p;
    }

    public static Node noticeIcon(Notice.Level level) {
        return switch (level) {
            case ERROR -> icon(ERROR, "error-icon");
            case WARNING -> icon(WARNING, "warning-icon");
            case SUCCESS -> icon(CHECK, "success-icon");
            case INFO -> icon(INFO, "info-icon");
        };
    }

    public static Label label(String text, String... styleClasses) {
        Label l = new Label(text);
        l.getStyleClass().addAll(styleClasses);
        return l;
    }

    public static Label sectionHeader(String text) {
        return label(text.toUpperCase(Locale.ROOT), "section-header");
    }

    /** A white rounded card with a bold title above its content. */
    public static VBox card(String title, Node content) {
        VBox box = new VBox(10, label(title, "card-title"), content);
        box.getStyleClass().add("card");
        VBox.setVgrow(content, Priority.ALWAYS);
        return box;
    }

    public static Region spacer() {
        Region r = new Region();
        javafx.scene.layout.HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }

    /** Makes a table as tall as its rows (at most {@code maxRows}; {@code minRows} for its placeholder when empty). */
    public static void fitRows(TableView<?> table, int minRows, int maxRows) {
        double row = 27;
        table.setFixedCellSize(row);
        table.prefHeightProperty().bind(Bindings.createDoubleBinding(
                () -> 36 + row * (table.getItems().isEmpty() ? minRows : Math.min(maxRows, table.getItems().size())) + 2, table.getItems()));
        table.minHeightProperty().bind(table.prefHeightProperty());
        table.maxHeightProperty().bind(table.prefHeightProperty());
    }
}
