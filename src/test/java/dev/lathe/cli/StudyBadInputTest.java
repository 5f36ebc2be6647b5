package dev.lathe.cli;

import dev.lathe.TestModels;
import dev.lathe.study.storage.SqliteStudyStorage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.lathe.cli.LatheCommandTest.lathe;
import static org.junit.jupiter.api.Assertions.*;

/** Study files that are not what they should be: refused in one line, exit 1, and never changed. */
class StudyBadInputTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatIsNotSqliteOrAnotherProgramsDatabaseIsRefusedAndLeftAsItWas() throws Exception {
        Path text = dir.resolve("notes.lathe");
        Files.writeString(text, "not a database at all\n".repeat(100));
        Path other = dir.resolve("other.sqlite");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + other); var s = c.createStatement()) {
            s.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)");
            s.execute("INSERT INTO contacts (name) VALUES ('keep me')");
        }
        for (Path study : List.of(text, other)) {
            byte[] before = Files.readAllBytes(study);
            for (String[] args : List.of(new String[] {"candidates", "--study", study.toString()},
                    new String[] {"export", "--study", study.toString(), "--candidate", "1", "--out", dir.resolve("out").toString()},
                    new String[] {"search", TestModels.digitsMlp().toString(), "--study", study.toString(), "--budget", "1", "--in-process"})) {
                LatheCommandTest.Run r = lathe(args);
                assertEquals(1, r.code(), args[0] + ": " + r.err());
                assertEquals(1, r.err().lines().count(), r.err());
                String expected = study == text ? "not a study: the file is not an SQLite database" : "not a Lathe study but another program's SQLite database (tables contacts)";
                assertTrue(r.err().startsWith("lathe: " + study.getFileName() + ": " + expected), r.err());
                assertArrayEquals(before, Files.readAllBytes(study), args[0] + " changed " + study.getFileName());
            }
        }
        assertFalse(Files.exists(dir.resolve("out")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("notes.lathe", "other.sqlite"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no side files (-wal, -shm, .lock) left");
        }
    }

    /** A resumed search and an export both refuse a study whose model file changed; the study keeps what it had. */
    @Tag("slow")
    @Test
    void aStudyWhoseModelChangedIsRefusedByResumeAndExport() throws Exception {
        Path model = dir.resolve("model.onnx");
        Files.copy(TestModels.digitsMlp(), model);
        Files.copy(TestModels.digitsMlp().resolveSibling("test.csv"), dir.resolve("test.csv"));
        Path study = dir.resolve("s.lathe");
        LatheCommandTest.Run first = lathe("search", model.toString(), "--study", study.toString(), "--budget", "2", "--in-process", "--quick", "--sensitivity-samples", "0");
        assertEquals(0, first.code(), first.err());
        long candidates = count(study);
        Files.copy(TestModels.digitsCnn(), model, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        LatheCommandTest.Run resume = lathe("search", model.toString(), "--study", study.toString(), "--budget", "4", "--in-process", "--quick", "--sensitivity-samples", "0");
        assertEquals(1, resume.code());
        assertEquals(List.of("lathe: s.lathe: belongs to a different model (" + model.toAbsolutePath() + "); model.onnx has changed or is another file"),
                resume.err().lines().toList());
        LatheCommandTest.Run export = lathe("export", "--study", study.toString(), "--candidate", "1", "--out", dir.resolve("out").toString());
        assertEquals(1, export.code());
        assertEquals(1, export.err().lines().count(), export.err());
        assertTrue(export.err().contains("model.onnx has changed since the study measured it"), export.err());
        assertFalse(Files.exists(dir.resolve("out")));
        assertEquals(candidates, count(study));
    }

    /** A second search on a study being searched is refused naming the first, which goes on unharmed to its budget. */
    @Tag("slow")
    @Test
    void aSecondSearchOnTheSameStudyIsRefusedNamingTheFirst() throws Exception {
        Path study = dir.resolve("busy.lathe");
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Process firstSearch = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.lathe.Main", "search", TestModels.digitsMlp().toString(), "--study", study.toString(), "--budget", "12", "--in-process",
                "--sensitivity-samples", "0").redirectErrorStream(true).start();
        firstSearch.getOutputStream().close();
        StringBuilder firstOut = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(firstSearch.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean asked = false;
            while ((line = r.readLine()) != null) {
                firstOut.append(line).append('\n');
                if (!asked && line.startsWith("[1/")) {
                    asked = true;
                    LatheCommandTest.Run second = lathe("search", TestModels.digitsMlp().toString(), "--study", study.toString(), "--budget", "20", "--in-process");
                    assertEquals(1, second.code(), second.err());
                    List<String> lines = second.err().lines().toList();
                    assertEquals(1, lines.size(), second.err());
                    assertTrue(lines.get(0).startsWith("lathe: busy.lathe: is being searched already by another search (process " + firstSearch.pid() + ", started "),
                            lines.get(0));
                }
            }
            assertTrue(asked, firstOut.toString());
        }
        assertTrue(firstSearch.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, firstSearch.exitValue(), firstOut.toString());
        assertTrue(firstOut.toString().contains("Done: 12 of 12 candidates measured"), firstOut.toString());
        assertEquals(12, count(study), "the first search's candidates, none of the second's");
        assertFalse(Files.exists(dir.resolve("busy.lathe.lock")), "the lock goes with the search");
        LatheCommandTest.Run later = lathe("candidates", "--study", study.toString());
        assertEquals(0, later.code(), later.err());
    }

    private static long count(Path study) {
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            return s.all().size();
        }
    }
}
