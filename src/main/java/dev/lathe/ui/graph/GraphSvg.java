package dev.lathe.ui.graph;

import javafx.scene.paint.Color;

import java.util.Locale;

/**
 * The whole laid-out graph as SVG, with the overlay shown on the canvas and its legend: one rounded box per
 * node holding its operator (and a {@code <title>} with its full name, which viewers show on hover), its
 * name below, badges, and one path per edge along the layout's route.
 */
final class GraphSvg {
    private GraphSvg() {}

    static String write(GraphModel g, GraphLayout l, GraphCanvas colours) {
        GraphOverlay o = colours.overlay();
        double legendH = o.legend() == null ? 0 : 30 + (o.legend().low() != null ? 22 : o.legend().names().size() * 17) + 16;
        double w = l.totalWidth, h = l.totalHeight + legendH;
        StringBuilder sb = new StringBuilder(64 * g.nodes().size() + 1024);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">%n",
                w, h, w, h));
        sb.append("<title>").append(escape(g.name())).append("</title>\n");
        sb.append(String.format(Locale.ROOT, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fbfcfd\"/>%n", w, h));
        sb.append("<g fill=\"none\" stroke=\"#9aa5b1\" stroke-width=\"1.2\">\n");
        for (int e = 0; e < g.edges().size(); e++) {
            float[] rx = l.routeX[e], ry = l.routeY[e];
            sb.append("<path d=\"M").append(num(rx[0])).append(' ').append(num(ry[0]));
            for (int i = 1; i < rx.length; i++) sb.append(" L").append(num(rx[i])).append(' ').append(num(ry[i]));
            sb.append("\"/>\n");
        }
        sb.append("</g>\n");
        double nh = GraphLayout.NODE_HEIGHT;
        for (GraphModel.Node n : g.nodes()) {
            int v = n.id();
            double bw = l.width[v], x0 = l.x[v] - bw / 2, top = l.layerTop[l.layer[v]];
            boolean io = n.kind() != GraphModel.Kind.OPERATOR;
            sb.append("<g class=\"node\"").append(o.greyed().get(v) ? " opacity=\"0.35\"" : "").append(">");
            sb.append("<title>").append(escape(n.name())).append("</title>");
            sb.append(String.format(Locale.ROOT, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" rx=\"%s\" fill=\"%s\"/>", num(x0), num(top), num(bw), num(nh),
                    io ? num(nh / 2) : "4", hex(colours.fillOf(v))));
            sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
                    num(l.x[v]), num(top + (io ? nh / 2 + 4 : nh * 0.42)), io ? "#ffffff" : "#1f2933", escape(n.label())));
            if (!io)
                sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"9\" text-anchor=\"middle\" fill=\"#52606d\">%s</text>",
                        num(l.x[v]), num(top + nh * 0.78), escape(GraphCanvas.shortName(n.name(), bw))));
            String badge = o.badge() == null ? null : o.badge()[v];
            if (badge != null)
                sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"9\" font-weight=\"bold\" text-anchor=\"end\" fill=\"#1f2933\">%s</text>",
                        num(x0 + bw), num(top - 3), escape(badge)));
            sb.append("</g>\n");
        }
        if (o.legend() != null) legend(sb, o.legend(), 12, l.totalHeight + 4);
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static void legend(StringBuilder sb, GraphOverlay.Legend legend, double x, double y) {
        sb.append("<g class=\"legend\">");
        sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"11\">%s</text>", num(x), num(y + 12), escape(legend.title())));
        if (legend.low() != null) {
            sb.append("<defs><linearGradient id=\"heat\">");
            for (int i = 0; i <= 4; i++)
                sb.append(String.format(Locale.ROOT, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", i * 25, hex(GraphOverlay.heat(i / 4.0))));
            sb.append("</linearGradient></defs>");
            sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"10\">%s</text>", num(x), num(y + 32), escape(legend.low())));
            sb.append(String.format(Locale.ROOT, "<rect x=\"%s\" y=\"%s\" width=\"180\" height=\"12\" fill=\"url(#heat)\"/>", num(x + 56), num(y + 22)));
            sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"10\">%s</text>", num(x + 242), num(y + 32), escape(legend.high())));
        } else {
            for (int i = 0; i < legend.names().size(); i++) {
                double ry = y + 20 + i * 17;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%s\" y=\"%s\" width=\"18\" height=\"12\" fill=\"%s\"/>", num(x), num(ry), hex(legend.colours().get(i))));
                sb.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" font-size=\"10\">%s</text>", num(x + 24), num(ry + 10), escape(legend.names().get(i))));
            }
        }
        sb.append("</g>\n");
    }

    static String hex(Color c) {
        return String.format(Locale.ROOT, "#%02x%02x%02x", (int) Math.round(c.getRed() * 255), (int) Math.round(c.getGreen() * 255), (int) Math.round(c.getBlue() * 255));
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> { if (c >= 0x20 || c == '\t' || c == '\n') b.append(c); }
            }
        }
        return b.toString();
    }
}
