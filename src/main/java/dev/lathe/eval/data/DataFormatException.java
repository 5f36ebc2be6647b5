package dev.lathe.eval.data;

import java.nio.file.Path;

/** Data that cannot be fed to the model; the message names the file and what is wrong. */
public class DataFormatException extends RuntimeException {
    public DataFormatException(Path file, String problem) {
        super(file.getFileName() + ": " + problem);
    }

    public DataFormatException(Path file, String problem, Throwable cause) {
        super(file.getFileName() + ": " + problem, cause);
    }
}
