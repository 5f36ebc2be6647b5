package dev.lathe.ui.common;

/** Something the user should read: an error naming the file it concerns, a warning, or news of work done. */
public record Notice(Level level, String text) {
    public enum Level { INFO, SUCCESS, WARNING, ERROR }

    public static Notice error(String text) { return new Notice(Level.ERROR, text); }

    public static Notice warning(String text) { return new Notice(Level.WARNING, text); }

    public static Notice success(String text) { return new Notice(Level.SUCCESS, text); }
}
