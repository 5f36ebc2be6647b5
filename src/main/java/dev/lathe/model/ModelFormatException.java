package dev.lathe.model;

import java.nio.file.Path;

/** A model file that cannot be read or used: the message names the file and the problem. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file.getFileName() + ": " + problem, cause);
    }
}
