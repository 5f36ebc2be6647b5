package dev.lathe.export;

import java.util.Locale;

/** The few SVG and XML text helpers the report pages share. */
final class Svg {
    private Svg() {}

    static String line(double x1, double y1, double x2, double y2, String colour) {
        return "<line x1=\"" + r(x1) + "\" y1=\"" + r(y1) + "\" x2=\"" + r(x2) + "\" y2=\"" + r(y2) + "\" stroke=\"" + colour + "\"/>\n";
    }

    static String text(double x, double y, String s, String anchor, String cls) {
        return "<text class=\"" + cls + "\" x=\"" + r(x) + "\" y=\"" + r(y) + "\" text-anchor=\"" + anchor + "\">" + esc(s) + "</text>\n";
    }

    /** Four significant digits, without exponent for everyday magnitudes. */
    static String fmt(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        int decimals = Math.max(0, 3 - (int) Math.floor(Math.log10(a)));
        return String.format(Locale.ROOT, "%." + Math.min(decimals, 8) + "f", v);
    }

    static String r(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Escapes text and attribute values for XHTML. */
    static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t') b.append(' '); // not allowed in XML
                    else b.append(c);
                }
            }
        }
        return b.toString();
    }

    static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
