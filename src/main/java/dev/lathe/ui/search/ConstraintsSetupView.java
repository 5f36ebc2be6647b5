package dev.lathe.ui.search;

import dev.lathe.ui.common.Ui;

import javafx.beans.property.ObjectProperty;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.Locale;

/** Four optional bounds with their units; an empty field is no constraint, text that is not a number is marked. */
final class ConstraintsSetupView {
    private final VBox root = new VBox(6);

    ConstraintsSetupView(ConstraintsSetupViewModel c) {
        GridPane grid = SearchView.form();
        SearchView.row(grid, 0, "Latency ≤", field("maxLatencyField", "ms", c.maxLatencyMsProperty()),
                "Slowest latency a candidate may have, on the study's clock (drift-corrected); empty: no bound");
        SearchView.row(grid, 1, "Quality ≥", field("minQualityField", "", c.minQualityProperty()),
                "Lowest quality (accuracy or fidelity) a candidate may have; empty: no bound");
        SearchView.row(grid, 2, "Peak memory ≤", field("maxMemoryField", "MiB", c.maxMemoryMibProperty()),
                "Highest resident memory the candidate needs to load and run, above the measuring process before it; empty: no bound");
        SearchView.row(grid, 3, "Size ≤", field("maxSizeField", "MB", c.maxSizeMbProperty()),
                "Largest model file, in MB (10^6 bytes); empty: no bound");
        Label hint = Ui.label("Candidates outside these bounds are measured and kept, marked as violating, but left off the front; "
                + "the search prefers candidates within them.", "hint");
        hint.setWrapText(true);
        root.getChildren().addAll(grid, hint);
    }

    Node node() { return root; }

    /** A text field bound both ways to an optional number, with its unit beside it. */
    private static Node field(String id, String unit, ObjectProperty<Double> value) {
        TextField f = new TextField(value.get() == null ? "" : format(value.get()));
        f.setId(id);
        f.setPromptText("none");
        f.setPrefColumnCount(6);
        f.textProperty().addListener((o, a, text) -> {
            String t = text.trim();
            if (t.isEmpty()) {
                value.set(null);
                f.pseudoClassStateChanged(INVALID, false);
                return;
            }
            try {
                value.set(Double.parseDouble(t.replace(',', '.')));
                f.pseudoClassStateChanged(INVALID, false);
            } catch (NumberFormatException e) {
                f.pseudoClassStateChanged(INVALID, true);
            }
        });
        value.addListener((o, a, v) -> {
            Double shown = parseOrNull(f.getText());
            if (v == null ? shown != null : !v.equals(shown)) f.setText(v == null ? "" : format(v));
        });
        HBox.setHgrow(f, Priority.ALWAYS);
        return unit.isEmpty() ? f : new HBox(6, f, Ui.label(unit, "hint"));
    }

    private static final javafx.css.PseudoClass INVALID = javafx.css.PseudoClass.getPseudoClass("invalid");

    private static Double parseOrNull(String text) {
        try {
            return text == null || text.isBlank() ? null : Double.parseDouble(text.trim().replace(',', '.'));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String format(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%d", (long) v) : Double.toString(v);
    }
}
