package dev.lathe.ui.common;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/** Number formatting shared by the views: sizes, counts, latencies and durations, always in one style. */
public final class Formats {
    private static final DecimalFormatSymbols SYMBOLS = DecimalFormatSymbols.getInstance(Locale.US);

    private Formats() {}

    /** A count with thousands separators: 17,226. */
    public static String count(long n) {
        return new DecimalFormat("#,##0", SYMBOLS).format(n);
    }

    /** A large count in short form: 950, 17.2 k, 22.7 M, 1.3 G. */
    public static String compact(long n) {
        double v = n;
        String[] units = {"", " k", " M", " G", " T"};
        int u = 0;
        while (Math.abs(v) >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        if (u == 0) return Long.toString(n);
        return new DecimalFormat(v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00", SYMBOLS).format(v) + units[u];
    }

    /** Bytes in decimal units: 69.7 kB, 90.4 MB. */
    public static String bytes(long b) {
        if (b < 1000) return b + " B";
        double v = b;
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return new DecimalFormat(v >= 100 ? "0" : "0.0", SYMBOLS).format(v) + " " + units[u];
    }

    /** A latency in milliseconds with three significant digits: 0.0123 ms, 1.23 ms, 12.3 ms, 123 ms. */
    public static String ms(Double ms) {
        if (ms == null) return "–";
        return number(ms) + " ms";
    }

    /** A number with three significant digits, without unit. */
    public static String number(double v) {
        double a = Math.abs(v);
        String pattern = a == 0 ? "0" : a < 0.001 ? "0.000000" : a < 0.01 ? "0.00000" : a < 0.1 ? "0.0000" : a < 1 ? "0.000"
                : a < 10 ? "0.00" : a < 100 ? "0.0" : "#,##0";
        return new DecimalFormat(pattern, SYMBOLS).format(v);
    }

    /** A quality figure: four decimals. */
    public static String quality(Double q) {
        if (q == null) return "–";
        return new DecimalFormat("0.0000", SYMBOLS).format(q);
    }

    /** A speed-up factor: 1.84×. */
    public static String speedup(Double s) {
        if (s == null || s.isNaN() || s.isInfinite()) return "–";
        return new DecimalFormat("0.00", SYMBOLS).format(s) + "×";
    }

    /** A share as a percentage: 42.5 %. */
    public static String percent(double share) {
        return new DecimalFormat("0.#", SYMBOLS).format(share * 100) + " %";
    }

    /** A duration for humans: 45 s, 3 min 05 s, 1 h 12 min. */
    public static String duration(double seconds) {
        if (seconds < 9.95) return new DecimalFormat("0.0", SYMBOLS).format(Math.max(0, seconds)) + " s";
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) return s + " s";
        if (s < 3600) return (s / 60) + " min " + String.format(Locale.ROOT, "%02d", s % 60) + " s";
        return (s / 3600) + " h " + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + " min";
    }
}
