package dev.lathe.ui.app;

import dev.lathe.LatheVersion;
import dev.lathe.SampleModels;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.WorkbenchCommands;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.scene.control.Alert;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.Tab;
import javafx.scene.input.KeyCombination;

import java.util.List;

/** The window's menu bar: File, Search, View and Help. Items that have a button too are made from its {@link WorkbenchCommands} command. */
final class MainMenuBar {
    private MainMenuBar() {}

    static MenuBar create(MainView main, Workbench workbench, WorkbenchCommands commands, FileDialogs dialogs, UiPreferences prefs) {
        MenuBar bar = new MenuBar(fileMenu(main, workbench, commands, dialogs, prefs), searchMenu(workbench, commands), viewMenu(main));
        MenuItem about = new MenuItem("About Lathe");
        about.setOnAction(e -> {
            Alert a = new Alert(Alert.AlertType.INFORMATION);
            a.initOwner(main.window());
            a.setTitle("About Lathe");
            a.setHeaderText("Lathe " + LatheVersion.get());
            a.setContentText("Prunes and quantizes ONNX models against measured latency.\n\n"
                    + "Drop a model on the window, set a budget and press Start; every candidate is recorded in the study file.");
            a.showAndWait();
        });
        MenuItem shortcuts = new MenuItem("Keyboard shortcuts");
        shortcuts.setId("shortcutsMenu");
        shortcuts.setAccelerator(KeyCombination.keyCombination("Shortcut+Slash"));
        shortcuts.setOnAction(e -> ShortcutsDialog.show(main.window(), bar));
        bar.getMenus().add(new Menu("Help", null, shortcuts, new SeparatorMenuItem(), about));
        bar.setId("menuBar");
        return bar;
    }

    private static Menu fileMenu(MainView main, Workbench workbench, WorkbenchCommands commands, FileDialogs dialogs, UiPreferences prefs) {
        MenuItem openModel = new MenuItem("Open model…");
        openModel.setId("openModelMenu");
        openModel.setAccelerator(KeyCombination.keyCombination("Shortcut+O"));
        openModel.setOnAction(e -> dialogs.chooseModel());
        MenuItem openStudy = new MenuItem("Open study…");
        openStudy.setId("openStudyMenu");
        openStudy.setAccelerator(KeyCombination.keyCombination("Shortcut+Shift+O"));
        openStudy.setOnAction(e -> dialogs.chooseStudy());
        Menu samples = new Menu("Samples");
        samples.setId("samplesMenu");
        List<SampleModels.Sample> available = SampleModels.available();
        for (SampleModels.Sample s : available) {
            MenuItem item = new MenuItem(s.name());
            item.setOnAction(e -> main.openSample(s));
            samples.getItems().add(item);
        }
        if (available.isEmpty()) {
            MenuItem none = new MenuItem("No samples found");
            none.setDisable(true);
            samples.getItems().add(none);
        }
        MenuItem export = commands.export().bind(new MenuItem("Export selected candidate…"));
        export.setId("exportMenu");
        export.textProperty().bind(Bindings.createStringBinding(() -> workbench.study().chosenRows().size() > 1
                ? "Export " + workbench.study().chosenRows().size() + " selected candidates…" : "Export selected candidate…", workbench.study().chosenRows()));
        export.setAccelerator(KeyCombination.keyCombination("Shortcut+E"));
        MenuItem distill = new dev.lathe.ui.distill.DistillAction(workbench, main::window).command().bind(new MenuItem("Distill and export…"));
        distill.setId("distillMenu");
        MenuItem exportGraph = new MenuItem("Export graph…");
        exportGraph.setId("exportGraphMenu");
        exportGraph.setOnAction(e -> main.exportGraph());
        exportGraph.disableProperty().bind(workbench.model().summaryProperty().isNull());
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
        exportCsv.setOnAction(e -> StudyCsvAction.choose(main.window(), workbench, prefs));
        exportCsv.disableProperty().bind(workbench.study().fileProperty().isNull());
        return new Menu("File", null, openModel, openStudy, samples, new SeparatorMenuItem(), export, distill, exportCsv, exportGraph, new SeparatorMenuItem(), quit);
    }

    private static Menu searchMenu(Workbench workbench, WorkbenchCommands commands) {
        MenuItem start = commands.start().bind(new MenuItem("Start search"));
        start.setId("startMenu");
        start.setAccelerator(KeyCombination.keyCombination("Shortcut+R"));
        MenuItem stop = commands.stop().bind(new MenuItem("Stop search"));
        stop.setId("stopMenu");
        stop.setAccelerator(KeyCombination.keyCombination("Shortcut+PERIOD"));
        MenuItem pause = commands.pause().bind(new MenuItem());
        pause.setId("pauseMenu");
        pause.textProperty().bind(workbench.search().pauseRequestedProperty().map(p -> p ? "Resume search" : "Pause search"));
        pause.setAccelerator(KeyCombination.keyCombination("Shortcut+P"));
        return new Menu("Search", null, start, pause, stop);
    }

    private static Menu viewMenu(MainView main) {
        Menu view = new Menu("View");
        for (Tab t : main.tabs().getTabs()) { // Ctrl+1, Ctrl+2, ... in the order of the switcher
            MenuItem show = new MenuItem(t.getText());
            show.setAccelerator(KeyCombination.keyCombination("Shortcut+" + (view.getItems().size() + 1)));
            show.setOnAction(e -> main.tabs().getSelectionModel().select(t));
            view.getItems().add(show);
        }
        MenuItem findInGraph = new MenuItem("Find in graph…");
        findInGraph.setId("findInGraphMenu");
        findInGraph.setAccelerator(KeyCombination.keyCombination("Shortcut+F"));
        findInGraph.setOnAction(e -> main.findInGraph());
        view.getItems().addAll(new SeparatorMenuItem(), findInGraph);
        return view;
    }
}
