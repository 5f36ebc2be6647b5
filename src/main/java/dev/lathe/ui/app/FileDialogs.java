package dev.lathe.ui.app;

import dev.lathe.ui.Workbench;
import dev.lathe.ui.study.CandidateDetail;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.stage.Window;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The window's file dialogs: open a model or a study, choose the search's data, tokenizer and study file, and
 * export candidates (with the confirmation before replacing an earlier export). Each dialog opens in the folder
 * it was last left in.
 */
final class FileDialogs {
    private final Workbench workbench;
    private final UiPreferences prefs;
    private final Supplier<Window> window;
    private final Consumer<Path> openModel;
    private final Consumer<Path> openStudy;
    private Path lastDir;

    /** {@code openModel} opens a chosen model file, {@code openStudy} a chosen study, each showing its tab. */
    FileDialogs(Workbench workbench, UiPreferences prefs, Supplier<Window> window, Consumer<Path> openModel, Consumer<Path> openStudy) {
        this.workbench = workbench;
        this.prefs = prefs;
        this.window = window;
        this.openModel = openModel;
        this.openStudy = openStudy;
    }

    /** A file was opened (from any dialog, a drop or the start page): dialogs without a folder of their own start there. */
    void opened(Path file) {
        lastDir = file.toAbsolutePath().getParent();
    }

    private File initialDir() {
        Path d = lastDir;
        if (d == null && workbench.model().path() != null) d = workbench.model().path().toAbsolutePath().getParent();
        if (d == null) d = Path.of(System.getProperty("user.home"));
        return Files.isDirectory(d) ? d.toFile() : null;
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

    void chooseModel() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open ONNX model");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("ONNX models (*.onnx)", "*.onnx"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        fc.setInitialDirectory(initialDir("model", null));
        File f = remember("model", fc.showOpenDialog(window.get()));
        if (f != null) openModel.accept(f.toPath());
    }

    void chooseStudy() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Open study");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Lathe studies (*.lathe, *.sqlite, *.db)", "*.lathe", "*.sqlite", "*.db"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        Path studies = Path.of(System.getProperty("user.home"), "Lathe", "studies");
        fc.setInitialDirectory(initialDir("study", studies));
        File f = remember("study", fc.showOpenDialog(window.get()));
        if (f != null) openStudy.accept(f.toPath());
    }

    void chooseData() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Evaluation data");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Data (*.csv, *.txt, *.npy, *.npz)", "*.csv", "*.txt", "*.tsv", "*.npy", "*.npz"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        fc.setInitialDirectory(initialDir("data", null));
        File f = remember("data", fc.showOpenDialog(window.get()));
        if (f != null) workbench.search().dataPathProperty().set(f.getAbsolutePath());
    }

    void chooseTokenizer() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Tokenizer");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("HuggingFace tokenizer (*.json)", "*.json"),
                new FileChooser.ExtensionFilter("All files", "*.*"));
        fc.setInitialDirectory(initialDir("tokenizer", null));
        File f = remember("tokenizer", fc.showOpenDialog(window.get()));
        if (f != null) workbench.search().tokenizerPathProperty().set(f.getAbsolutePath());
    }

    void chooseStudyFile() {
        FileChooser fc = new FileChooser();
        fc.setTitle("Study file");
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("Lathe studies (*.lathe)", "*.lathe"),
                new FileChooser.ExtensionFilter("SQLite studies (*.sqlite, *.db)", "*.sqlite", "*.db"));
        String current = workbench.search().studyPathProperty().get();
        Path cur = current == null || current.isBlank() ? null : Path.of(current);
        Path dir = cur != null && cur.toAbsolutePath().getParent() != null ? cur.toAbsolutePath().getParent() : null;
        if (dir != null && Files.isDirectory(dir)) fc.setInitialDirectory(dir.toFile());
        if (cur != null) fc.setInitialFileName(cur.getFileName().toString());
        File f = fc.showSaveDialog(window.get());
        if (f != null) {
            String p = f.getAbsolutePath();
            if (!Workbench.isStudyFile(f.toPath())) p += ".lathe";
            workbench.search().studyPathProperty().set(p);
        }
    }

    /** Export…: asks for a folder, confirms replacing an earlier export there, then exports in the background. */
    void exportSelected() {
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
        File dir = remember("export", dc.showDialog(window.get()));
        if (dir == null) return;
        boolean overwrite = false;
        if (StudyViewModel.wouldOverwrite(dir.toPath())) {
            Alert a = new Alert(Alert.AlertType.CONFIRMATION,
                    dir + " already holds an export (model.onnx, report.json, report.html or pareto.svg). Replace it with candidate #" + d.id() + "?",
                    ButtonType.OK, ButtonType.CANCEL);
            a.initOwner(window.get());
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
        File dir = remember("export", dc.showDialog(window.get()));
        if (dir == null) return;
        var taken = dev.lathe.export.MultiCandidateExporter.conflicts(dir.toPath(), ids);
        if (!taken.isEmpty()) {
            Alert a = new Alert(Alert.AlertType.WARNING, dir + " already holds " + String.join(", ", taken)
                    + ". Exports never replace files: choose another folder, or an empty one.", ButtonType.OK);
            a.initOwner(window.get());
            a.setHeaderText("The folder holds an earlier export");
            a.showAndWait();
            return;
        }
        workbench.study().exportSeveral(dir.toPath());
    }
}
