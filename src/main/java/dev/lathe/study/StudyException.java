package dev.lathe.study;

import java.nio.file.Path;

/** A study file that cannot be opened, read or written; names the file. */
public class StudyException extends RuntimeException {
    public StudyException(Path file, String problem, Throwable cause) {
        super(file.getFileName() + ": " + problem + (cause != null && cause.getMessage() != null ? " (" + cause.getMessage() + ")" : ""), cause);
    }
}
