package dev.lathe.analysis.pattern;

/** What a pattern found, or why it is not there (the reason the analysis reports for the structure). */
public record Match<T>(T value, String failure) {
    public static <T> Match<T> of(T value) { return new Match<>(value, null); }

    public static <T> Match<T> failed(String why) { return new Match<>(null, why); }

    public boolean found() { return failure == null; }
}
