package dev.lathe.export;

import dev.lathe.TestStudies;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code lathe export} onto a small disk that fills while the model is written, then onto the same disk made read-only
 * (a tmpfs in a user and mount namespace, so the test needs no privileges and root cannot write past it either).
 * Each fails in one line naming the folder; the files of the export already there, and the study, stay as they were.
 */
@Tag("slow")
class ExportDiskTest {
    @TempDir
    Path dir;

    @Test
    void aFullDiskAndAReadOnlyFolderLoseNothingTheUserHas() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        Assumptions.assumeTrue(run(List.of("unshare", "-rm", "true")).exit == 0, "needs user namespaces (unshare -rm)");
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("s.lathe"));
        long candidates;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            candidates = s.all().size();
        }
        byte[] studyBytes = Files.readAllBytes(study);
        Path disk = Files.createDirectories(dir.resolve("disk"));
        String java = ProcessHandle.current().info().command().orElseThrow();
        String lathe = "'" + java + "' --enable-native-access=ALL-UNNAMED -cp '" + System.getProperty("java.class.path") + "' dev.lathe.Main export --study '" + study + "'";
        String out = disk.resolve("out").toString();
        String script = String.join("\n",
                "set -u",
                "mount -t tmpfs -o size=400k tmpfs '" + disk + "' || exit 90",
                lathe + " --candidate 1 --out '" + out + "' >/dev/null 2>&1 || exit 91",
                "cd '" + out + "' && sha256sum * > ../before.sha && cd - >/dev/null",
                "dd if=/dev/zero of='" + disk + "/fill' bs=4k >/dev/null 2>&1; truncate -s -40K '" + disk + "/fill'", // 40 KiB left: the model write fails part-way
                "echo FULL; " + lathe + " --candidate 2 --out '" + out + "' --force; echo \"exit $?\"",
                "cd '" + out + "' && sha256sum -c --quiet ../before.sha && echo SAME; ls -A '" + out + "'; cd - >/dev/null",
                "mount -o remount,ro '" + disk + "' || exit 92",
                "echo READONLY; " + lathe + " --candidate 2 --out '" + out + "' --force; echo \"exit $?\"",
                lathe + " --candidate 2 --out '" + disk + "/new'; echo \"exit $?\"",
                "cd '" + out + "' && sha256sum -c --quiet ../before.sha && echo SAME");
        Result r = run(List.of("unshare", "-rm", "sh", "-c", script));
        assertEquals(0, r.exit, r.out);
        List<String> lines = r.out.lines().toList();
        int full = lines.indexOf("FULL"), readOnly = lines.indexOf("READONLY");
        assertTrue(full >= 0 && readOnly > full, r.out);
        assertEquals(List.of("lathe: cannot export into " + out + ": No space left on device; files already there are unchanged", "exit 1", "SAME",
                "model.onnx", "pareto.svg", "report.html", "report.json"), lines.subList(full + 1, readOnly), "no staging folder left");
        assertEquals(List.of("lathe: cannot export into " + out + ": Read-only file system; files already there are unchanged", "exit 1",
                "lathe: cannot export into " + disk.resolve("new") + ": Read-only file system; files already there are unchanged", "exit 1", "SAME"),
                lines.subList(readOnly + 1, lines.size()));
        assertArrayEquals(studyBytes, Files.readAllBytes(study), "the study is untouched");
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            assertEquals(candidates, s.all().size());
        }
    }

    private record Result(int exit, String out) {}

    private static Result run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }
}
