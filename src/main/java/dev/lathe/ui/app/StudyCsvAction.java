package dev.lathe.ui.app;

import dev.lathe.export.StudyCsvExporter;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Notice;
import javafx.concurrent.Task;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** File ▸ Export study as CSV…: asks where (the save dialog confirms replacing a file), then writes in the background. */
public final class StudyCsvAction {
    private StudyCsvAction() {}

    static void choose(Window owner, Workbench workbench, UiPreferences prefs) {
        Path study = workbench.study().file();
        if (study == null) {
            workbench.background().notify(Notice.warning("Open a study or run a search first: there is no study to export."));
            return;
        }
        FileChooser fc = new FileChooser();
        fc.setTitle("Export study " + study.getFileName() + " as CSV");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV (*.csv)", "*.csv"));
        Path dir = prefs.folder("csv").orElse(study.toAbsolutePath().getParent());
        if (dir != null && Files.isDirectory(dir)) fc.setInitialDirectory(dir.toFile());
        String stem = study.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        fc.setInitialFileName(stem + ".csv");
        File f = fc.showSaveDialog(owner);
        if (f == null) return;
        prefs.rememberFolder("csv", f.toPath());
        write(workbench.background(), study, f.toPath(), true);
    }

    /** Writes every candidate of {@code study} to {@code target} in the background; a notice says how it went. */
    public static Task<Integer> write(Background background, Path study, Path target, boolean overwrite) {
        return background.submit("Writing " + target.getFileName(), () -> {
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
                return StudyCsvExporter.write(s, target, overwrite);
            }
        }, rows -> background.notify(Notice.success("Wrote " + rows + " candidates of " + study.getFileName() + " to " + target)),
                "Could not export " + study.getFileName() + " as CSV", null);
    }
}
