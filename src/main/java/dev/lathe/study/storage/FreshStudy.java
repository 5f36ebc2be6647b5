package dev.lathe.study.storage;


import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A search into a study file that does not exist yet: if it fails before recording a candidate (a model the gate
 * refuses, a preflight check, unusable data), the file it created is removed again with SQLite's side files, so a
 * failed start leaves nothing behind. An existing study is never removed.
 */
public final class FreshStudy {
    private FreshStudy() {}

    /** Runs {@code search}, which opens and closes the study itself. */
    public static <T> T run(Path studyFile, Callable<T> search) throws Exception {
        boolean existed = Files.exists(studyFile);
        try {
            return search.call();
        } catch (Exception | Error e) {
            if (!existed) removeIfEmpty(studyFile, e);
            throw e;
        }
    }

    private static void removeIfEmpty(Path studyFile, Throwable failure) {
        if (!Files.isRegularFile(studyFile)) return;
        try {
            try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(studyFile)) {
                if (!s.all().isEmpty()) return; // another search recorded candidates into it meanwhile: it is theirs
            }
            for (String suffix : new String[] {"", "-wal", "-shm", "-journal"})
                Files.deleteIfExists(studyFile.resolveSibling(studyFile.getFileName() + suffix));
        } catch (Exception | Error e) {
            failure.addSuppressed(e);
        }
    }
}
