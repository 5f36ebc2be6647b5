package dev.lathe.ui.study;

import dev.lathe.ui.common.Ui;

import javafx.beans.binding.Bindings;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.css.PseudoClass;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;

/**
 * Above the candidates table: a text filter, "Pareto front only", a status choice, quality ≥ and latency ≤
 * thresholds, Clear, and how many candidates pass ("12 of 40 candidates").
 */
final class CandidateFilterBar {
    private static final PseudoClass INVALID = PseudoClass.getPseudoClass("invalid");

    private final HBox bar = new HBox(8);

    CandidateFilterBar(CandidateFilter filter, ObservableList<CandidateRow> shown, ObservableList<CandidateRow> all, StudyViewModel study) {
        TextField text = new TextField();
        text.setId("candidateFilterText");
        text.setPromptText("Filter: id, status, int8, layer…");
        text.setTooltip(new Tooltip("Rows containing every word: #id, status, what changed (\"int8\", \"pruned\"), origin, layer, group or block names"));
        text.textProperty().bindBidirectional(filter.textProperty());
        text.setPrefColumnCount(16);
        HBox.setHgrow(text, Priority.SOMETIMES);

        CheckBox front = new CheckBox("Pareto front only");
        front.setId("paretoOnlyCheck");
        front.selectedProperty().bindBidirectional(filter.paretoOnlyProperty());

        ComboBox<String> status = new ComboBox<>(FXCollections.observableArrayList(CandidateFilter.statusChoices()));
        status.setId("statusFilter");
        status.valueProperty().bindBidirectional(filter.statusProperty());

        TextField quality = threshold("minQualityField", "quality ≥", filter.minQualityProperty());
        quality.setTooltip(new Tooltip("Only candidates whose quality is at least this"));
        TextField latency = threshold("maxLatencyField", "latency ≤ ms", filter.maxLatencyProperty());
        latency.setTooltip(new Tooltip("Only candidates whose median latency (the table's Latency column) is at most this many ms"));

        Button clear = new Button("Clear");
        clear.setId("clearFilterButton");
        clear.setOnAction(e -> filter.clear());
        clear.disableProperty().bind(Bindings.createBooleanBinding(filter::isEmpty, filter.dependencies()));

        Label count = Ui.label("", "hint");
        count.setId("candidateCount");
        count.textProperty().bind(Bindings.createStringBinding(() -> count(shown.size(), all.size()), shown, all));
        count.setMinWidth(Label.USE_PREF_SIZE);

        Ui.keepWhole(front, status, clear);
        text.setMinWidth(90);
        bar.getChildren().addAll(text, front, status, quality, latency, clear, count);
        bar.setAlignment(Pos.CENTER_RIGHT);
        bar.getStyleClass().add("filter-bar");
        bar.setId("candidateFilterBar");
        // The quality threshold names the study's metric once one is known.
        quality.promptTextProperty().bind(study.qualityMetricProperty().map(m -> m + " ≥"));
    }

    Node node() { return bar; }

    static String count(int shown, int all) {
        return shown == all ? all + (all == 1 ? " candidate" : " candidates") : shown + " of " + all + " candidates";
    }

    private static TextField threshold(String id, String prompt, javafx.beans.property.StringProperty value) {
        TextField f = new TextField();
        f.setId(id);
        f.setPromptText(prompt);
        f.setPrefColumnCount(6);
        f.textProperty().bindBidirectional(value);
        // A number that does not parse filters nothing; the field says so in red.
        f.textProperty().addListener((o, a, b) -> f.pseudoClassStateChanged(INVALID, b != null && !b.isBlank() && CandidateFilter.number(b) == null));
        return f;
    }
}
