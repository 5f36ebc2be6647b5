package dev.lathe.ui;

import dev.lathe.ui.common.Command;
import dev.lathe.ui.model.ModelViewModel;
import dev.lathe.ui.search.SearchViewModel;
import dev.lathe.ui.study.CandidateDetail;
import dev.lathe.ui.study.StudyViewModel;
import javafx.beans.binding.Bindings;

/**
 * The workbench's actions that have both a menu item and a button, each with the one rule for when it is
 * allowed: Start (a model is loaded, none is being read and no search runs), Pause and Stop (a search runs and
 * is not stopping), Export (a measured candidate is selected and no export runs).
 */
public final class WorkbenchCommands {
    private final Command start;
    private final Command pause;
    private final Command stop;
    private final Command export;

    /** {@code exportDialog} asks where to export the selected candidates and starts the export. */
    public WorkbenchCommands(Workbench workbench, Runnable exportDialog) {
        SearchViewModel search = workbench.search();
        ModelViewModel model = workbench.model();
        StudyViewModel study = workbench.study();
        start = new Command(search.runningProperty().not().and(model.summaryProperty().isNotNull()).and(model.loadingProperty().not()),
                workbench::startSearch);
        var runningNotStopping = search.runningProperty().and(search.stoppingProperty().not());
        pause = new Command(runningNotStopping, search::togglePause);
        stop = new Command(runningNotStopping, workbench::stopSearch);
        export = new Command(study.exportingProperty().not().and(Bindings.createBooleanBinding(() -> {
            CandidateDetail d = study.detailProperty().get();
            return d != null && d.record().isDone();
        }, study.detailProperty())), exportDialog);
    }

    public Command start() { return start; }

    public Command pause() { return pause; }

    public Command stop() { return stop; }

    public Command export() { return export; }
}
