package dev.lathe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which arguments open the window (what desktop entries and file associations pass) and which run the CLI. */
class MainTest {
    @TempDir
    Path dir;

    @Test
    void noArgumentsOrExistingFilesOpenTheWindow() throws Exception {
        Path model = Files.copy(TestModels.digitsMlp(), dir.resolve("model.onnx"));
        Path study = Files.writeString(dir.resolve("run.lathe"), "");
        assertTrue(Main.opensWindow());
        assertTrue(Main.opensWindow(model.toString()));
        assertTrue(Main.opensWindow(model.toString(), study.toString()));
    }

    @Test
    void subCommandsOptionsAndMissingFilesGoToTheCommandLine() throws Exception {
        Path model = Files.copy(TestModels.digitsMlp(), dir.resolve("model.onnx"));
        assertFalse(Main.opensWindow("inspect", model.toString()));
        assertFalse(Main.opensWindow("--help"));
        assertFalse(Main.opensWindow("--version"));
        // A missing file goes to the CLI, whose error names it, instead of opening a window without it.
        assertFalse(Main.opensWindow(dir.resolve("absent.onnx").toString()));
        assertFalse(Main.opensWindow(dir.toString()), "a folder is not a file to open");
        assertFalse(Main.opensWindow(model.toString(), "--json"));
    }

    @Test
    void aFileNamedLikeASubCommandStillRunsTheCommand() throws Exception {
        Path named = Files.writeString(dir.resolve("inspect"), "");
        // Relative, as typed in the folder holding it: the sub-command wins.
        assertFalse(Main.opensWindow("inspect"));
        assertTrue(Main.opensWindow(named.toString()), "given with its path it is a file");
    }
}
