package dev.lathe.ui.distill;

import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.Command;
import dev.lathe.ui.study.CandidateDetail;
import javafx.beans.binding.Bindings;
import javafx.stage.Window;

import java.util.function.Supplier;

/**
 * File ▸ Distill and export…: allowed when a measured candidate is selected and no distillation runs; opens the one
 * {@link DistillDialog} of the window, filled for the selected candidate.
 */
public final class DistillAction {
    private final DistillViewModel vm;
    private final Command command;
    private final Supplier<Window> owner;
    private DistillDialog dialog;

    public DistillAction(Workbench workbench, Supplier<Window> owner) {
        this.vm = new DistillViewModel(workbench.study(), workbench.background());
        this.owner = owner;
        var study = workbench.study();
        command = new Command(vm.runningProperty().not().and(Bindings.createBooleanBinding(() -> {
            CandidateDetail d = study.detailProperty().get();
            return d != null && d.record().isDone() && study.file() != null;
        }, study.detailProperty(), study.fileProperty())), this::open);
    }

    public Command command() { return command; }

    public DistillViewModel viewModel() { return vm; }

    /** The dialog, once opened. */
    public DistillDialog dialog() { return dialog; }

    private void open() {
        if (dialog == null) dialog = new DistillDialog(owner.get(), vm);
        dialog.show();
    }
}
