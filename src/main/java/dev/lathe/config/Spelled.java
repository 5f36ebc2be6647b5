package dev.lathe.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** An option spelled by an id, the same on the command line and in the study file. */
public interface Spelled {
    String id();

    /**
     * The constant of {@code type} spelled {@code id} (any case); an unknown id is an error naming the allowed
     * ones, never a silent default.
     */
    static <E extends Enum<E> & Spelled> E parse(Class<E> type, String what, String id) {
        if (id != null)
            for (E e : type.getEnumConstants()) if (e.id().equals(id.trim().toLowerCase(Locale.ROOT))) return e;
        throw new IllegalArgumentException("unknown " + what + " '" + id + "' (" + allowed(type) + ")");
    }

    /** "a, b or c". */
    static <E extends Enum<E> & Spelled> String allowed(Class<E> type) {
        String[] ids = Arrays.stream(type.getEnumConstants()).map(Spelled::id).toArray(String[]::new);
        if (ids.length == 1) return ids[0];
        return Arrays.stream(ids, 0, ids.length - 1).collect(Collectors.joining(", ")) + " or " + ids[ids.length - 1];
    }
}
