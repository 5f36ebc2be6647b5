package dev.lathe.ui.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The stylesheet of the start page, the graph view, the comparison window and the shortcuts list, beside
 * {@link LatheStyles} (which it relies on for colours and cards) and handed to the scene the same way.
 */
public final class WorkbenchViewStyles {
    private WorkbenchViewStyles() {}

    static final String CSS = """
            #welcomeView, #welcomeView > .viewport { -fx-background-color: #f3f5f8; }
            .welcome-title { -fx-font-size: 24px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .welcome-lead { -fx-font-size: 13px; -fx-text-fill: -lathe-muted; }
            .recent-entry { -fx-padding: 6 6 6 10; -fx-background-radius: 6; -fx-cursor: hand; }
            .recent-entry:hover { -fx-background-color: #eef3fd; }
            .recent-entry.missing { -fx-cursor: default; -fx-opacity: 0.55; }
            .recent-entry.missing:hover { -fx-background-color: transparent; }
            .recent-name { -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .recent-path { -fx-font-size: 11px; -fx-text-fill: -lathe-muted; }
            .recent-size { -fx-font-size: 11px; -fx-text-fill: -lathe-muted; }
            .missing-tag { -fx-font-size: 11px; -fx-font-weight: bold; -fx-text-fill: #8a939e; -fx-background-color: #eceff3;
                           -fx-background-radius: 8; -fx-padding: 1 7 1 7; }
            .forget-button { -fx-background-color: transparent; -fx-text-fill: #8a939e; -fx-padding: 0 6 1 6; -fx-font-size: 14px; }
            .forget-button:hover { -fx-text-fill: #b42318; }
            .sample-entry { -fx-padding: 10 12 10 12; -fx-background-color: #f7f9fc; -fx-background-radius: 6; -fx-border-color: #e6eaf0;
                            -fx-border-radius: 6; -fx-cursor: hand; }
            .sample-entry:hover { -fx-background-color: #eef3fd; -fx-border-color: #b9cdf3; }
            .sample-name { -fx-font-weight: bold; -fx-text-fill: -lathe-accent; -fx-font-size: 13px; }
            .sample-text { -fx-font-size: 12px; -fx-text-fill: #3d4752; }
            .drop-zone { -fx-background-color: #f8fafe; -fx-border-color: #9db8ea; -fx-border-width: 2; -fx-border-style: segments(10, 7);
                         -fx-border-radius: 10; -fx-background-radius: 10; -fx-padding: 26 20 24 20; -fx-min-height: 190; }
            .drop-zone-title { -fx-font-size: 16px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .drop-zone-icon { -fx-fill: #9db8ea; -fx-scale-x: 2.2; -fx-scale-y: 2.2; }

            .graph-toolbar { -fx-background-color: white; -fx-padding: 8 12 8 12; -fx-border-color: transparent transparent -lathe-line transparent; }
            .graph-canvas-pane { -fx-background-color: #fbfcfd; }
            .graph-side { -fx-background-color: white; -fx-border-color: transparent transparent transparent -lathe-line; }
            .graph-side > .viewport { -fx-background-color: white; }
            .graph-side-box { -fx-padding: 14 16 16 16; -fx-background-color: white; }
            .graph-op { -fx-font-size: 18px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .graph-name { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 11px; -fx-text-fill: #3d4752; }
            .graph-key { -fx-font-size: 12px; -fx-text-fill: -lathe-muted; }
            .graph-value { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 11px; -fx-text-fill: -lathe-ink; }
            .graph-tensor { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 11px; -fx-text-fill: -lathe-ink; }
            .graph-shape { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 11px; -fx-text-fill: #1d4ea8; }
            .graph-match { -fx-font-size: 12px; -fx-text-fill: -lathe-muted; }
            .graph-stats { -fx-font-size: 11px; -fx-text-fill: -lathe-muted; }

            .compare-bar { -fx-padding: 6 10 6 10; -fx-background-color: #f3f5f8; }
            .data-preview { -fx-padding: 6 0 0 0; }
            .data-preview-lines, .data-preview-arrays { -fx-font-family: monospace; -fx-font-size: 11px; }
            .filter-bar .text-field:invalid { -fx-border-color: #b42318; -fx-border-radius: 3; }
            .compare-scroll, .compare-scroll > .viewport { -fx-background-color: #f3f5f8; }
            .compare-box { -fx-padding: 16 18 18 18; -fx-background-color: #f3f5f8; }
            .compare-head { -fx-font-size: 16px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .compare-a { -fx-text-fill: #2f6fde; -fx-font-weight: bold; }
            .compare-b { -fx-text-fill: #e8590c; -fx-font-weight: bold; }
            .compare-better { -fx-text-fill: #2f9e58; -fx-font-size: 11px; }
            .compare-bar-a { -fx-fill: #2f6fde; }
            .compare-bar-b { -fx-fill: #e8590c; }
            .compare-bar-track { -fx-fill: #eef1f5; }

            .shortcut-key { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 12px; -fx-background-color: #eef1f5;
                            -fx-background-radius: 4; -fx-padding: 1 6 1 6; -fx-text-fill: -lathe-ink; }
            """;

    public static String dataUri() {
        return "data:text/css;base64," + Base64.getEncoder().encodeToString(CSS.getBytes(StandardCharsets.UTF_8));
    }
}
