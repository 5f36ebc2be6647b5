package dev.lathe.ui.app;

import dev.lathe.SampleModels;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchCommands;
import dev.lathe.ui.common.LatheIcon;
import dev.lathe.ui.common.Notice;
import dev.lathe.ui.common.Ui;
import dev.lathe.ui.graph.GraphView;
import dev.lathe.ui.model.ModelView;
import dev.lathe.ui.search.SearchView;
import dev.lathe.ui.welcome.WelcomeView;
import javafx.animation.PauseTransition;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.StackPane;
import javafx.stage.Window;
import javafx.util.Duration;
import org.controlsfx.control.NotificationPane;
import org.controlsfx.control.StatusBar;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The window's content: menu bar ({@link MainMenuBar}), header, the Start, Model, Graph and Search tabs inside a
 * notification pane, and a status bar. The file dialogs are {@link FileDialogs}, drag and drop {@link DropHandler};
 * Start, Pause, Stop and Export are {@link WorkbenchCommands} shared by the menu and the buttons.
 */
public final class MainView {
    private final Workbench workbench;
    private final StackPane root = new StackPane();
    private final TabPane tabs = new TabPane();
    private final Tab startTab;
    private final Tab modelTab;
    private final Tab graphTab;
    private GraphView graphView;
    private final Tab searchTab;
    private final NotificationPane notifications;
    private final PauseTransition autoHide = new PauseTransition(Duration.seconds(9));
    private final FileDialogs dialogs;
    private final DropHandler drops = new DropHandler(this::open);

    public MainView(Workbench workbench, UiPreferences prefs) {
        this.workbench = workbench;
        dialogs = new FileDialogs(workbench, prefs, this::window, this::open, this::openStudy);
        WorkbenchCommands commands = new WorkbenchCommands(workbench, dialogs::exportSelected);
        WelcomeView welcome = new WelcomeView(prefs, welcomeActions());
        startTab = new Tab("Start", welcome.node());
        startTab.setId("startTab");
        prefs.rememberRecent(workbench);
        workbench.search().pool().remember(prefs.node());
        // The start page is what the window opens on; the other views are built the first time they are shown,
        // so that startup does not pay for their controls, skins and style passes (about 2 s of a 4.5 s start).
        modelTab = lazyTab("Model", "modelTab", () -> new ModelView(workbench, dialogs::chooseModel, workbench::openSample).node());
        searchTab = lazyTab("Search", "searchTab", () -> new SearchView(workbench, commands, new SearchView.Choosers() {
            @Override
            public void chooseData() { dialogs.chooseData(); }

            @Override
            public void chooseTokenizer() { dialogs.chooseTokenizer(); }

            @Override
            public void chooseStudyFile() { dialogs.chooseStudyFile(); }
        }).node());
        graphTab = lazyTab("Graph", "graphTab", () -> graphView().node());
        workbench.study().graphRequestProperty().addListener((o, a, id) -> showInGraph(id));
        tabs.getTabs().addAll(startTab, modelTab, graphTab, searchTab);
        tabs.getSelectionModel().selectedItemProperty().addListener((o, a, t) -> {
            if (t == startTab) welcome.refresh();
        });
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.getStyleClass().add("main-tabs");
        tabs.setId("mainTabs");

        notifications = new NotificationPane(tabs);
        notifications.setId("notifications");
        notifications.setShowFromTop(true);
        autoHide.setOnFinished(e -> notifications.hide());
        workbench.background().noticeProperty().addListener((o, a, n) -> {
            if (n != null) show(n);
        });

        BorderPane frame = new BorderPane();
        frame.setTop(new javafx.scene.layout.VBox(MainMenuBar.create(this, workbench, commands, dialogs, prefs), header()));
        frame.setCenter(notifications);
        frame.setBottom(statusBar());
        frame.getStyleClass().add("app-body");

        root.getChildren().addAll(frame, drops.overlay());
        root.setId("root");

        // A running search shows on the search tab; a freshly opened model on the model tab.
        workbench.search().runningProperty().addListener((o, a, running) -> {
            if (running) tabs.getSelectionModel().select(searchTab);
        });
    }

    public Parent root() { return root; }

    public TabPane tabs() { return tabs; }

    /** The graph view, built on first use (showing the Graph tab or finding in the graph). */
    public GraphView graphView() {
        if (graphView == null) graphView = new GraphView(workbench);
        return graphView;
    }

    /** A tab whose content is made when the tab is first selected. */
    private static Tab lazyTab(String title, String id, java.util.function.Supplier<javafx.scene.Node> content) {
        Tab tab = new Tab(title);
        tab.setId(id);
        tab.selectedProperty().addListener((o, was, selected) -> {
            if (selected && tab.getContent() == null) {
                tab.setContent(content.get());
                // Styles now rather than at the next pulse: controls get their skins (and so their inner nodes)
                // at once, for the code that selected the tab and goes on to reach into it.
                tab.getContent().applyCss();
            }
        });
        return tab;
    }

    /** "Show in graph": the graph tab, showing the requested candidate of the open study. */
    private void showInGraph(Long id) {
        if (id == null || workbench.study().file() == null) return;
        tabs.getSelectionModel().select(graphTab);
        graphView().showCandidate(workbench.study().file(), id);
        workbench.study().graphRequestProperty().set(null);
    }

    public void selectSearchTab() { tabs.getSelectionModel().select(searchTab); }

    /** Accepts .onnx models and .lathe (or .sqlite, .db) studies dropped anywhere on the scene. */
    public void installDragAndDrop(Scene scene) {
        drops.install(scene);
    }

    /** Opens a model (and shows the model tab) or a study (and shows the search tab). */
    public void open(Path file) {
        dialogs.opened(file);
        if (Workbench.isStudyFile(file)) {
            openStudy(file);
        } else {
            workbench.open(file);
            tabs.getSelectionModel().select(modelTab);
        }
    }

    private void openStudy(Path file) {
        workbench.openStudy(file);
        tabs.getSelectionModel().select(searchTab);
    }

    void openSample(SampleModels.Sample sample) {
        workbench.openSample(sample);
        tabs.getSelectionModel().select(modelTab);
    }

    void exportGraph() {
        tabs.getSelectionModel().select(graphTab);
        graphView().chooseExport(window());
    }

    void findInGraph() {
        tabs.getSelectionModel().select(graphTab);
        graphView().focusFind();
    }

    private StatusBar statusBar() {
        StatusBar status = new StatusBar();
        status.setId("statusBar");
        status.textProperty().bind(workbench.background().statusProperty());
        status.progressProperty().bind(Bindings.when(workbench.background().busyProperty().greaterThan(0)).then(-1.0).otherwise(0.0));
        Label studyLabel = Ui.label("", "muted");
        studyLabel.setId("studyStatus");
        studyLabel.textProperty().bind(Bindings.createStringBinding(() -> {
            Path f = workbench.study().file();
            int n = workbench.study().rows().size();
            return f == null ? "No study" : "Study " + f.getFileName() + " · " + n + " candidates";
        }, workbench.study().fileProperty(), workbench.study().rows()));
        status.getRightItems().add(studyLabel);
        return status;
    }

    /** Below the menu: the app mark, the Model / Search switch and what is open; the tab headers themselves stay hidden. */
    private javafx.scene.Node header() {
        javafx.scene.image.ImageView mark = new javafx.scene.image.ImageView(LatheIcon.render(28));
        Label name = Ui.label("Lathe", "app-name");
        // One toggle per tab, named like it ("Model" → #modelToggle).
        java.util.Map<Tab, javafx.scene.control.ToggleButton> toggles = new java.util.LinkedHashMap<>();
        for (Tab t : tabs.getTabs()) {
            javafx.scene.control.ToggleButton b = new javafx.scene.control.ToggleButton(t.getText());
            b.setId(t.getText().toLowerCase(Locale.ROOT) + "Toggle");
            b.selectedProperty().addListener((o, a, on) -> {
                if (on) tabs.getSelectionModel().select(t);
            });
            toggles.put(t, b);
        }
        org.controlsfx.control.SegmentedButton switcher = new org.controlsfx.control.SegmentedButton(
                javafx.collections.FXCollections.observableArrayList(toggles.values()));
        switcher.setId("viewSwitcher");
        toggles.get(tabs.getSelectionModel().getSelectedItem()).setSelected(true);
        tabs.getSelectionModel().selectedItemProperty().addListener((o, a, t) -> toggles.get(t).setSelected(true));
        // A toggle group would let the selected button be clicked off; keep one selected.
        for (javafx.scene.control.ToggleButton b : toggles.values())
            b.addEventFilter(javafx.scene.input.MouseEvent.MOUSE_RELEASED, e -> {
                if (b.isSelected()) e.consume();
            });
        Label open = Ui.label("", "header-info");
        open.setId("headerInfo");
        open.textProperty().bind(Bindings.createStringBinding(() -> {
            String m = workbench.model().name();
            Path f = workbench.study().file();
            if (m.isEmpty()) return "No model open";
            return f == null ? m : m + "  ·  " + f.getFileName();
        }, workbench.model().nameProperty(), workbench.study().fileProperty()));
        javafx.scene.layout.HBox bar = new javafx.scene.layout.HBox(10, mark, name, switcher, Ui.spacer(), open);
        javafx.scene.layout.HBox.setMargin(switcher, new javafx.geometry.Insets(0, 0, 0, 18));
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("app-header");
        return bar;
    }

    private void show(Notice n) {
        autoHide.stop();
        notifications.setGraphic(Ui.noticeIcon(n.level()));
        if (notifications.isShowing()) {
            notifications.setText(n.text());
        } else {
            notifications.show(n.text());
        }
        if (n.level() == Notice.Level.SUCCESS || n.level() == Notice.Level.INFO) autoHide.playFromStart();
    }

    Window window() {
        return root.getScene() == null ? null : root.getScene().getWindow();
    }

    private WelcomeView.Actions welcomeActions() {
        return new WelcomeView.Actions() {
            @Override
            public void open(Path file) { MainView.this.open(file); }

            @Override
            public void openSample(SampleModels.Sample sample) { MainView.this.openSample(sample); }

            @Override
            public void chooseModel() { dialogs.chooseModel(); }

            @Override
            public void chooseStudy() { dialogs.chooseStudy(); }
        };
    }
}
