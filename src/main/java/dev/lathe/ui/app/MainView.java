package dev.lathe.ui.app;

import dev.lathe.LatheVersion;
import dev.lathe.SampleModels;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.LatheIcon;
import dev.lathe.ui.common.Notice;
import dev.lathe.ui.common.Ui;
import dev.lathe.ui.graph.GraphView;
import dev.lathe.ui.model.ModelView;
import dev.lathe.ui.search.SearchView;
import dev.lathe.ui.study.CandidateDetail;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;
import dev.lathe.ui.welcome.WelcomeView;
import javafx.animation.PauseTransition;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.Parent;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.input.DragEvent;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.StackPane;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;
import javafx.util.Duration;
import org.controlsfx.control.NotificationPane;
import org.controlsfx.control.StatusBar;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The window's content: menu bar, the Model and Search tabs inside a notification pane, a status bar, and
 * drag-and-drop of model and study files anywhere on the window. Owns the file dialogs.
 */
public final class MainView {
    private final Workbench workbench;
    private final UiPreferences prefs;
    private final StackPane root = new StackPane();
    private final TabPane tabs = new TabPane();
    private final Tab startTab;
    private final Tab modelTab;
    private final Tab graphTab;
    private GraphView graphView;
    private final Tab searchTab;
    private final NotificationPane notifications;
    private final PauseTransition autoHide = new PauseTransition(Duration.seconds(9));
    private final StackPane dropOverlay = new StackPane();
    private final Label dropLabel = Ui.label("", "drop-label");
    private Path lastDir;

    public MainView(Workbench workbench, UiPreferences prefs) {
        this.workbench = workbench;
        this.prefs = prefs;
        WelcomeView welcome = new WelcomeView(prefs, welcomeActions());
        startTab = new Tab("Start", welcome.node());
        startTab.setId("startTab");
        prefs.rememberRecent(workbench);
        // The start page is what the window opens on; the other views are built the first time they are shown,
        // so that startup does not pay for their controls, skins and style passes (about 2 s of a 4.5 s start).
        modelTab = lazyTab("Model", "modelTab", () -> new ModelView(workbench, this::chooseModel, workbench::openSample).node());
        searchTab = lazyTab("Search", "searchTab", () -> new SearchView(workbench, new SearchView.Choosers() {
            @Override
            public void chooseData() { MainView.this.chooseData(); }

            @Override
            public void chooseTokenizer() { MainView.this.chooseTokenizer(); }

            @Override
            public void chooseStudyFile() { MainView.this.chooseStudyFile(); }

            @Override
            public void export() { MainView.this.exportSelected(); }
        }).node());
        graphTab = lazyTab("Graph", "graphTab", () -> graphView().node());
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

        BorderPane frame = new BorderPane();
        frame.setTop(new javafx.scene.layout.VBox(menuBar(), header()));
        frame.setCenter(notifications);
        frame.setBottom(status);
        frame.getStyleClass().add("app-body");

        dropOverlay.getChildren().add(dropLabel);
        dropOverlay.getStyleClass().add("drop-overlay");
        dropOverlay.setAlignment(Pos.CENTER);
        dropOverlay.setMouseTransparent(true);
        dropOverlay.setVisible(false);
        root.getChildren().addAll(frame, dropOverlay);
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

    public void selectSearchTab() { tabs.getSelectionModel().select(searchTab); }

    /** Accepts .onnx models and .lathe (or .sqlite, .db) studies dropped anywhere on the scene. */
    public void installDragAndDrop(Scene scene) {
        scene.addEventFilter(DragEvent.DRAG_OVER, e -> {
            Optional<Path> f = droppable(e);
            if (f.isPresent()) {
                e.acceptTransferModes(TransferMode.COPY);
                String name = f.get().getFileName().toString();
                dropLabel.setText(isStudy(f.get()) ? "Drop to open study " + name : "Drop to open " + name);
                dropOverlay.setVisible(true);
                e.consume();
            }
        });
        scene.setOnDragExited(e -> dropOverlay.setVisible(false)); // the drag left the window
        scene.addEventFilter(DragEvent.DRAG_DROPPED, e -> {
            Optional<Path> f = droppable(e);
            dropOverlay.setVisible(false);
            if (f.isPresent()) {
                e.setDropCompleted(true);
                e.consume();
                open(f.get());
            }
        });
    }

    private static Optional<Path> droppable(DragEvent e) {
        if (!e.getDragboard().hasFiles()) return Optional.empty();
        return e.getDragboard().getFiles().stream().map(File::toPath).filter(p -> {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            return n.endsWith(".onnx") || isStudy(p);
        }).findFirst();
    }

    private static boolean isStudy(Path p) {
        return Workbench.isStudyFile(p);
    }

    /** Opens a model (and shows the model tab) or a study (and shows the search tab). */
    public void open(Path file) {
        lastDir = file.toAbsolutePath().getParent();
        if (isStudy(file)) {
            workbench.openStudy(file);
            tabs.getSelectionModel().select(searchTab);
        } else {
            workbench.open(file);
            tabs.getSelectionModel().select(modelTab);
        }
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

    private MenuBar menuBar() {
        MenuItem openModel = new MenuItem("Open model…");
        openModel.setId("openModelMenu");
        openModel.setAccelerator(KeyCombination.keyCombination("Shortcut+O"));
        openModel.setOnAction(e -> chooseModel());
        MenuItem openStudy = new MenuItem("Open study…");
        openStudy.setId("openStudyMenu");
        openStudy.setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+O"));
        openStudy.setOnAction(e -> chooseStudy());
        Menu samples = new Menu("Samples");
        samples.setId("samplesMenu");
        List<SampleModels.Sample> available = SampleModels.available();
        for (SampleModels.Sample s : available) {
            MenuItem item = new MenuItem(s.name());
            item.setOnAction(e -> {
                workbench.openSample(s);
                tabs.getSelectionModel().select(modelTab);
            });
            samples.getItems().add(item);
        }
        if (available.isEmpty()) {
            MenuItem none = new MenuItem("No samples found");
            none.setDisable(true);
            samples.getItems().add(none);
        }
        MenuItem export = new MenuItem("Export selected candidate…");
        export.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> workbench.study().chosenRows().size() > 1
                ? "Export " + workbench.study().chosenRows().size() + " selected candidates…" : "Export selected candidate…", workbench.study().chosenRows()));
        export.setAccelerator(KeyCombination.keyCombination("Shortcut+E"));
        export.setOnAction(e -> exportSelected());
        export.disableProperty().bind(workbench.study().detailProperty().isNull());
        MenuItem quit = new MenuItem("Quit");
        quit.setId("quitMenu");
        quit.setAccelerator(KeyCombination.keyCombination("Shortcut+Q"));
        quit.setOnAction(e -> {
            workbench.shutdown();
            Platform.exit();
        });
        MenuItem exportCsv = new MenuItem("Export study as CSV…");
        exportCsv.setId("exportCsvMenu");
        exportCsv.setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+E"));
        exportCsv.setOnAction(e -> StudyCsvAction.choose(window(), workbench, prefs));
        exportCsv.disableProperty().bind(workbench.study().fileProperty().isNull());
        Menu file = new Menu("File", null, openModel, openStudy, samples, new SeparatorMenuItem(), export, exportCsv, new SeparatorMenuItem(), quit);

        MenuItem start = new MenuItem("Start search");
        start.setAccelerator(KeyCombination.keyCombination("Shortcut+R"));
        start.setOnAction(e -> workbench.startSearch());
        start.disableProperty().bind(workbench.search().runningProperty().or(workbench.model().summaryProperty().isNull()));
        MenuItem stop = new MenuItem("Stop search");
        stop.setAccelerator(KeyCombination.keyCombination("Shortcut+PERIOD"));
        stop.setOnAction(e -> workbench.stopSearch());
        stop.disableProperty().bind(workbench.search().runningProperty().not());
        MenuItem pause = new MenuItem();
        pause.setId("pauseMenu");
        pause.textProperty().bind(workbench.search().pauseRequestedProperty().map(p -> p ? "Resume search" : "Pause search"));
        pause.setAccelerator(KeyCombination.keyCombination("Shortcut+P"));
        pause.setOnAction(e -> workbench.search().togglePause());
        pause.disableProperty().bind(workbench.search().runningProperty().not().or(workbench.search().stoppingProperty()));
        Menu search = new Menu("Search", null, start, pause, stop);

        Menu view = new Menu("View");
        for (Tab t : tabs.getTabs()) { // Ctrl+1, Ctrl+2, ... in the order of the switcher
            MenuItem show = new MenuItem(t.getText());
            show.setAccelerator(KeyCombination.keyCombination("Shortcut+" + (view.getItems().size() + 1)));
            show.setOnAction(e -> tabs.getSelectionModel().select(t));
            view.getItems().add(show);
        }
        MenuItem findInGraph = new MenuItem("Find in graph…");
        findInGraph.setId("findInGraphMenu");
        findInGraph.setAccelerator(KeyCombination.keyCombination("Shortcut+F"));
        findInGraph.setOnAction(e -> {
            tabs.getSelectionModel().select(graphTab);
            graphView().focusFind();
        });
        view.getItems().addAll(new SeparatorMenuItem(), findInGraph);

        MenuItem about = new MenuItem("About Lathe");
        about.setOnAction(e -> {
            Alert a = new Alert(Alert.AlertType.INFORMATION);
            a.initOwner(window());
            a.setTitle("About Lathe");
            a.setHeaderText("Lathe " + LatheVersion.get());
            a.setContentText("Prunes and quantizes ONNX models against measured latency.\n\n"
                    + "Drop a model on the window, set a budget and press Start; every candidate is recorded in the study file.");
            a.showAndWait();
        });
        MenuItem shortcuts = new MenuItem("Keyboard shortcuts");
        shortcuts.setId("shortcutsMenu");
        shortcuts.setAccelerator(KeyCombination.keyCombination("Shortcut+Slash"));
        Menu help = new Menu("Help", null, shortcuts, new SeparatorMenuItem(), about);

        MenuBar bar = new MenuBar(file, search, view, help);
        bar.setId("menuBar");
        shortcuts.setOnAction(e -> ShortcutsDialog.show(window(), bar));
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

    private Window window() {
        return root.getScene() == null ? null : root.getScene().getWindow();
    }

    private File initialDir() {
        Path d = lastDir;
        if (d == null && workbench.model().path() != null) d = workbench.model().path().toAbsolutePath().getParent();
        if (d == null) d = Path.of(System.getProperty("user.home"));
        return Files.isDirectory(d) ? d.toFile() : null;
    }

    private WelcomeView.Actions welcomeActions() {
        return new WelcomeView.Actions() {
            @Override
            public void open(Path file) { MainView.this.open(file); }

            @Override
            public void openSample(SampleModels.Sample sample) {
                workbench.openSample(sample);
                tabs.getSelectionModel().select(modelTab);
            }

            @Override
            public void chooseModel() { MainView.this.chooseModel(); }

            @Override
            public void chooseStudy() { MainView.this.chooseStudy(); }
        };
    }

    /** The folder the dialog named {@code dialog} was last left in, else {@code preferred} if it exists, else the model's. */
    private File initialDir(String dialog, Path preferred) {
        Optional<Path> last = prefs.folder(dialog);
        if (last.isPresent()) return last.get().toFile();
        if (preferred != null && Files.isDirectory(preferred)) return preferred.toFile();
        return initialDir();
    }

    /** Remembers where a dialog was left, for its next opening; returns what was chosen. */
    private File remember(String dialog, File chosen) {
        if (chosen != null) prefs.rememberFolder(dialog, chosen.toPath());
        return chosen;
    }

    private void chooseModel() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open ONNX model");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("ONNX models (*.onnx)", "*.onnx"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        fc.setInitialDirectory(initialDir("model", null));
        File f = remember("model", fc.showOpenDialog(window()));
        if (f != null) open(f.toPath());
    }

    private void chooseStudy() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open study");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Lathe studies (*.lathe, *.sqlite, *.db)", "*.lathe", "*.sqlite", "*.db"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        Path studies = Path.of(System.getProperty("user.home"), "Lathe", "studies");
        fc.setInitialDirectory(initialDir("study", studies));
        File f = remember("study", fc.showOpenDialog(window()));
        if (f != null) {
            workbench.openStudy(f.toPath());
            tabs.getSelectionModel().select(searchTab);
        }
    }

    private void chooseData() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Evaluation data");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Data (*.csv, *.txt, *.npy, *.npz)", "*.csv", "*.txt", "*.tsv", "*.npy", "*.npz"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        fc.setInitialDirectory(initialDir("data", null));
        File f = remember("data", fc.showOpenDialog(window()));
        if (f != null) workbench.search().dataPathProperty().set(f.getAbsolutePath());
    }

    private void chooseTokenizer() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Tokenizer");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("HuggingFace tokenizer (*.json)", "*.json"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        fc.setInitialDirectory(initialDir("tokenizer", null));
        File f = remember("tokenizer", fc.showOpenDialog(window()));
        if (f != null) workbench.search().tokenizerPathProperty().set(f.getAbsolutePath());
    }

    private void chooseStudyFile() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Study file");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Lathe studies (*.lathe)", "*.lathe"),
                new FileChooser.ExtensionFilter("SQLite studies (*.sqlite, *.db)", "*.sqlite", "*.db"));
        String current = workbench.search().studyPathProperty().get();
        Path cur = current == null || current.isBlank() ? null : Path.of(current);
        Path dir = cur != null && cur.toAbsolutePath().getParent() != null ? cur.toAbsolutePath().getParent() : null;
        if (dir != null && Files.isDirectory(dir)) fc.setInitialDirectory(dir.toFile());
        if (cur != null) fc.setInitialFileName(cur.getFileName().toString());
        File f = fc.showSaveDialog(window());
        if (f != null) {
            String p = f.getAbsolutePath();
            if (!Workbench.isStudyFile(f.toPath())) p += ".lathe";
            workbench.search().studyPathProperty().set(p);
        }
    }

    /** Export…: asks for a folder, confirms replacing an earlier export there, then exports in the background. */
    private void exportSelected() {
        if (workbench.study().chosenRows().size() > 1) {
            exportSeveral();
            return;
        }
        CandidateDetail d = workbench.study().detailProperty().get();
        if (d == null) return;
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle("Export candidate #" + d.id() + " into folder");
        Path exports = Path.of(System.getProperty("user.home"), "Lathe", "exports");
        dc.setInitialDirectory(initialDir("export", exports));
        File dir = remember("export", dc.showDialog(window()));
        if (dir == null) return;
        boolean overwrite = false;
        if (StudyViewModel.wouldOverwrite(dir.toPath())) {
            Alert a = new Alert(Alert.AlertType.CONFIRMATION,
                    dir + " already holds an export (model.onnx, report.json, report.html or pareto.svg). Replace it with candidate #" + d.id() + "?",
                    ButtonType.OK, ButtonType.CANCEL);
            a.initOwner(window());
            a.setHeaderText("Replace the earlier export?");
            if (a.showAndWait().orElse(ButtonType.CANCEL) != ButtonType.OK) return;
            overwrite = true;
        }
        workbench.study().export(dir.toPath(), overwrite);
    }

    /** Several rows selected: one folder for all, each candidate in its own sub-folder; a folder already holding them is refused. */
    private void exportSeveral() {
        var ids = workbench.study().chosenRows().stream().map(CandidateRow::id).sorted().toList();
        DirectoryChooser dc = new DirectoryChooser();
        dc.setTitle("Export " + ids.size() + " candidates into folder (one sub-folder each)");
        dc.setInitialDirectory(initialDir("export", Path.of(System.getProperty("user.home"), "Lathe", "exports")));
        File dir = remember("export", dc.showDialog(window()));
        if (dir == null) return;
        var taken = dev.lathe.export.MultiCandidateExporter.conflicts(dir.toPath(), ids);
        if (!taken.isEmpty()) {
            Alert a = new Alert(Alert.AlertType.WARNING, dir + " already holds " + String.join(", ", taken)
                    + ". Exports never replace files: choose another folder, or an empty one.", ButtonType.OK);
            a.initOwner(window());
            a.setHeaderText("The folder holds an earlier export");
            a.showAndWait();
            return;
        }
        workbench.study().exportSeveral(dir.toPath());
    }
}
