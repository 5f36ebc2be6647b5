package dev.lathe.ui.welcome;

import dev.lathe.SampleModels;
import dev.lathe.ui.app.UiPreferences;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.common.LatheIcon;
import dev.lathe.ui.common.Ui;
import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The start page: recently opened models and studies (a file that has gone since is greyed and marked
 * "missing"), the bundled samples, and a drop zone that also opens the file dialogs when clicked.
 */
public final class WelcomeView {
    /** What the page's entries do; the main view owns the dialogs and the tabs. */
    public interface Actions {
        void open(Path file);

        void openSample(SampleModels.Sample sample);

        void chooseModel();

        void chooseStudy();
    }

    /** What each bundled sample is, in a few words. */
    private static final Map<String, String> SAMPLE_DESCRIPTIONS = Map.of(
            "digits-mlp", "Handwritten-digit classifier, a three-layer MLP, with labelled test data",
            "digits-cnn", "Handwritten-digit classifier, a small convolutional network, with labelled test data",
            "all-minilm-l6-v2", "Sentence embedder, a six-layer BERT-style transformer, with sample sentences");

    private final UiPreferences prefs;
    private final Actions actions;
    private final ScrollPane root;
    private final VBox recentModels = new VBox(2);
    private final VBox recentStudies = new VBox(2);

    public WelcomeView(UiPreferences prefs, Actions actions) {
        this.prefs = prefs;
        this.actions = actions;
        recentModels.setId("recentModels");
        recentStudies.setId("recentStudies");

        ImageView mark = new ImageView(LatheIcon.render(56));
        Label title = Ui.label("Welcome to Lathe", "welcome-title");
        Label lead = Ui.label("Open an ONNX model to see what can be pruned and quantized, then search for smaller, faster "
                + "variants measured on this machine. Every candidate is kept in a study file you can reopen.", "welcome-lead");
        lead.setWrapText(true);
        HBox hero = new HBox(16, mark, new VBox(4, title, lead));
        hero.setAlignment(Pos.CENTER_LEFT);

        GridPane columns = new GridPane();
        columns.setHgap(18);
        columns.setVgap(18);
        ColumnConstraints half = new ColumnConstraints();
        half.setPercentWidth(50);
        half.setFillWidth(true);
        columns.getColumnConstraints().addAll(half, half);
        VBox left = new VBox(18, Ui.card("Recent models", recentModels), Ui.card("Recent studies", recentStudies));
        VBox right = new VBox(18, dropZone(), Ui.card("Samples", samples()));
        columns.add(left, 0, 0);
        columns.add(right, 1, 0);

        VBox content = new VBox(22, hero, columns);
        content.setPadding(new Insets(26, 30, 30, 30));
        content.setMaxWidth(1180);
        content.getStyleClass().add("app-body");
        HBox centred = new HBox(content);
        centred.setAlignment(Pos.TOP_CENTER);
        HBox.setHgrow(content, Priority.ALWAYS);
        centred.getStyleClass().add("app-body");
        root = new ScrollPane(centred);
        root.setFitToWidth(true);
        root.getStyleClass().add("app-body");
        root.setId("welcomeView");

        prefs.recentModels().addListener((ListChangeListener<Path>) c -> refresh());
        prefs.recentStudies().addListener((ListChangeListener<Path>) c -> refresh());
        refresh();
    }

    public Node node() { return root; }

    /** Rebuilds the recent lists, checking again which files still exist. */
    public void refresh() {
        fill(recentModels, prefs.recentModels(), "recentModel", "No models opened yet. Open one, drop one here, or start with a sample.",
                prefs::removeRecentModel);
        fill(recentStudies, prefs.recentStudies(), "recentStudy", "No studies yet. A search writes one; File ▸ Open study… reopens it.",
                prefs::removeRecentStudy);
    }

    private void fill(VBox box, ObservableList<Path> files, String idPrefix, String emptyText, Consumer<Path> remove) {
        box.getChildren().clear();
        if (files.isEmpty()) {
            Label empty = Ui.label(emptyText, "muted");
            empty.setWrapText(true);
            box.getChildren().add(empty);
            return;
        }
        int i = 0;
        for (Path f : List.copyOf(files)) box.getChildren().add(entry(f, idPrefix + "-" + i++, remove));
    }

    private Node entry(Path file, String id, Consumer<Path> remove) {
        boolean present = Files.isRegularFile(file);
        Label name = Ui.label(file.getFileName() == null ? file.toString() : file.getFileName().toString(), "recent-name");
        Path parent = file.getParent();
        Label where = Ui.label(parent == null ? "" : parent.toString(), "recent-path");
        where.setTextOverrun(javafx.scene.control.OverrunStyle.LEADING_ELLIPSIS);
        where.setMinWidth(0);
        name.setMinWidth(0);
        VBox text = new VBox(1, name, where);
        text.setMinWidth(0);
        HBox.setHgrow(text, Priority.ALWAYS);
        HBox row = new HBox(8, text);
        row.setAlignment(Pos.CENTER_LEFT);
        row.getStyleClass().add("recent-entry");
        row.setId(id);
        if (present) {
            Label size = Ui.label(size(file), "recent-size");
            size.setMinWidth(Label.USE_PREF_SIZE);
            row.getChildren().add(size);
            row.setOnMouseClicked(e -> {
                if (e.getButton() == MouseButton.PRIMARY) actions.open(file);
            });
            Tooltip.install(row, new Tooltip("Open " + file));
        } else {
            row.getStyleClass().add("missing");
            Label missing = Ui.label("missing", "missing-tag");
            missing.setMinWidth(Label.USE_PREF_SIZE);
            row.getChildren().add(missing);
            Tooltip.install(row, new Tooltip(file + " is no longer there"));
        }
        Button forget = new Button("×");
        forget.getStyleClass().add("forget-button");
        forget.setTooltip(new Tooltip("Remove from this list (the file stays)"));
        forget.setOnAction(e -> remove.accept(file));
        forget.setFocusTraversable(false);
        row.getChildren().add(forget);
        return row;
    }

    private static String size(Path f) {
        try {
            return Formats.bytes(Files.size(f));
        } catch (IOException e) {
            return "";
        }
    }

    private Node samples() {
        VBox box = new VBox(8);
        box.setId("welcomeSamples");
        List<SampleModels.Sample> available = SampleModels.available();
        if (available.isEmpty()) box.getChildren().add(Ui.label("No bundled samples were found beside the application.", "muted"));
        for (SampleModels.Sample s : available) {
            Label name = Ui.label(s.name(), "sample-name");
            Label what = Ui.label(SAMPLE_DESCRIPTIONS.getOrDefault(s.name(), s.model().toString()), "sample-text");
            what.setWrapText(true);
            VBox text = new VBox(2, name, what);
            HBox.setHgrow(text, Priority.ALWAYS);
            Label size = Ui.label(size(s.model()), "recent-size");
            size.setMinWidth(Label.USE_PREF_SIZE);
            HBox card = new HBox(10, text, size);
            card.setAlignment(Pos.CENTER_LEFT);
            card.getStyleClass().add("sample-entry");
            card.setId("sample-" + s.name());
            card.setOnMouseClicked(e -> {
                if (e.getButton() == MouseButton.PRIMARY) actions.openSample(s);
            });
            Tooltip.install(card, new Tooltip("Open the " + s.name() + " sample with its data"));
            box.getChildren().add(card);
        }
        return box;
    }

    private Node dropZone() {
        Label big = Ui.label("Drop a model or a study here", "drop-zone-title");
        Label small = Ui.label(".onnx models and .sqlite studies can be dropped anywhere on the window", "muted");
        small.setWrapText(true);
        Button model = new Button("Open model…");
        model.setId("welcomeOpenModel");
        model.getStyleClass().add("primary");
        model.setOnAction(e -> actions.chooseModel());
        Button study = new Button("Open study…");
        study.setId("welcomeOpenStudy");
        study.setOnAction(e -> actions.chooseStudy());
        HBox buttons = new HBox(8, model, study);
        buttons.setAlignment(Pos.CENTER);
        VBox zone = new VBox(8, Ui.icon(Ui.FOLDER, "drop-zone-icon"), big, small, buttons);
        zone.setAlignment(Pos.CENTER);
        zone.getStyleClass().add("drop-zone");
        zone.setId("dropZone");
        small.setMaxWidth(360);
        small.setAlignment(Pos.CENTER);
        small.setTextAlignment(javafx.scene.text.TextAlignment.CENTER);
        return zone;
    }
}
