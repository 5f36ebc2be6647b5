package dev.lathe.ui.common;

import java.net.URL;
import java.util.List;

/**
 * The application's stylesheets, in resources under {@code dev/lathe/ui/}: {@code lathe.css} (colours, cards,
 * forms, charts, tables; blue accent, orange for the Pareto front, near-black for the original model) and
 * {@code workbench-views.css} (start page, graph view, comparison window, shortcuts list), which relies on the
 * first's colour variables and so comes after it.
 */
public final class Stylesheets {
    private Stylesheets() {}

    private static final List<String> NAMES = List.of("lathe.css", "workbench-views.css");

    /** The stylesheets' URLs, in the order the scene takes them. */
    public static List<String> all() {
        return NAMES.stream().map(Stylesheets::url).toList();
    }

    private static String url(String name) {
        URL url = Stylesheets.class.getResource("/dev/lathe/ui/" + name);
        if (url == null) throw new IllegalStateException("stylesheet " + name + " is missing from the class path");
        return url.toExternalForm();
    }
}
