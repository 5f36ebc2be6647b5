package dev.lathe.ui.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The application's stylesheet, kept in code (the build packages no UI resources) and handed to the scene as a
 * {@code data:} URI. Colours: blue accent, orange for the Pareto front, near-black for the original model.
 */
public final class LatheStyles {
    private LatheStyles() {}

    public static final String CSS = """
            .root {
                -fx-font-size: 13px;
                -lathe-accent: #2f6fde;
                -lathe-front: #e8590c;
                -lathe-ink: #1f2933;
                -lathe-muted: #66727f;
                -lathe-line: #dde2ea;
                -fx-accent: #2f6fde;
                -fx-focus-color: #2f6fde;
                -fx-faint-focus-color: #2f6fde22;
                -fx-background-color: #f3f5f8;
            }
            .app-body { -fx-background-color: #f3f5f8; }
            .menu-bar { -fx-background-color: white; -fx-padding: 0 4 0 4; }

            .main-tabs > .tab-header-area { visibility: hidden; -fx-pref-height: 0; -fx-max-height: 0; -fx-min-height: 0; -fx-padding: 0; }
            .main-tabs > .tab-content-area { -fx-padding: 0; -fx-background-color: #f3f5f8; }
            .app-header { -fx-background-color: white; -fx-padding: 8 16 8 14; -fx-border-color: transparent transparent -lathe-line transparent; }
            .app-name { -fx-font-size: 16px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .header-info { -fx-text-fill: -lathe-muted; -fx-font-size: 12px; }
            .segmented-button .toggle-button { -fx-padding: 5 18 5 18; -fx-font-weight: bold; -fx-text-fill: #3d4752; }
            .segmented-button .toggle-button:selected { -fx-base: #2f6fde; -fx-text-fill: white; }

            .card {
                -fx-background-color: white;
                -fx-background-radius: 8;
                -fx-border-color: -lathe-line;
                -fx-border-radius: 8;
                -fx-padding: 12 14 14 14;
            }
            .card-title { -fx-font-size: 13px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .muted { -fx-text-fill: -lathe-muted; }
            .small { -fx-font-size: 11px; }
            .model-title { -fx-font-size: 22px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .path-label { -fx-text-fill: -lathe-muted; -fx-font-size: 12px; }

            .stat { -fx-min-width: 148; -fx-pref-width: 168; -fx-padding: 10 14 12 14; }
            .stat-label { -fx-font-size: 11px; -fx-text-fill: -lathe-muted; -fx-font-weight: bold; }
            .stat-value { -fx-font-size: 21px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .stat-sub { -fx-font-size: 11px; -fx-text-fill: -lathe-muted; }

            .op-name { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 12px; -fx-text-fill: -lathe-ink; }
            .op-count { -fx-font-size: 12px; -fx-text-fill: -lathe-muted; }
            .op-bar { -fx-pref-height: 14; }
            .op-bar > .track { -fx-background-color: #eef1f5; -fx-background-insets: 0; -fx-background-radius: 3; }
            .op-bar > .bar { -fx-background-color: -lathe-accent; -fx-background-insets: 0; -fx-background-radius: 3; -fx-padding: 7; }
            .keep-bar { -fx-pref-height: 10; }
            .keep-bar > .track { -fx-background-color: #eef1f5; -fx-background-insets: 0; -fx-background-radius: 3; }
            .keep-bar > .bar { -fx-background-color: #3f8f5a; -fx-background-insets: 0; -fx-background-radius: 3; -fx-padding: 5; }
            .keep-bar.pruned > .bar { -fx-background-color: -lathe-front; }

            .placeholder-title { -fx-font-size: 18px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .placeholder-text { -fx-text-fill: -lathe-muted; -fx-font-size: 13px; }

            .setup-panel { -fx-background-color: white; -fx-border-color: transparent -lathe-line transparent transparent; }
            .setup-panel > .viewport { -fx-background-color: white; }
            .setup-box { -fx-background-color: white; -fx-padding: 6 16 16 16; }
            .section-header { -fx-font-size: 11px; -fx-font-weight: bold; -fx-text-fill: -lathe-muted; -fx-padding: 14 0 4 0; }
            .form-label { -fx-text-fill: #3d4752; }
            .hint { -fx-font-size: 11px; -fx-text-fill: -lathe-muted; }
            .warning-box {
                -fx-background-color: #fff6e5;
                -fx-border-color: #f1c27d;
                -fx-border-radius: 6;
                -fx-background-radius: 6;
                -fx-padding: 7 9 7 9;
                -fx-text-fill: #7a4a00;
                -fx-font-size: 12px;
            }
            .objective-dot { -fx-font-weight: bold; }

            .run-bar { -fx-background-color: white; -fx-border-color: transparent transparent -lathe-line transparent; -fx-padding: 10 14 10 14; }
            .button.primary { -fx-base: #2f6fde; -fx-text-fill: white; -fx-font-weight: bold; }
            .button.primary .svg-icon { -fx-fill: white; }
            .button.danger { -fx-base: #f4f5f7; -fx-text-fill: #b42318; }
            .button.danger .svg-icon { -fx-fill: #b42318; }
            .button.danger:disabled .svg-icon, .button:disabled .svg-icon { -fx-opacity: 0.6; }
            .svg-icon { -fx-fill: #3d4752; }
            .warning-icon { -fx-fill: #d98a00; }
            .error-icon { -fx-fill: #d64545; }
            .success-icon { -fx-fill: #2f9e58; }
            .info-icon { -fx-fill: -lathe-accent; }
            .progress-text { -fx-text-fill: #3d4752; -fx-font-size: 12px; }
            .search-progress { -fx-pref-height: 18; }

            .chart-card { -fx-background-color: white; }
            .pareto-chart { -fx-padding: 8 12 4 4; }
            .pareto-chart .chart-plot-background { -fx-background-color: white; }
            .pareto-chart .chart-vertical-grid-lines, .pareto-chart .chart-horizontal-grid-lines { -fx-stroke: #eceff3; }
            .pareto-chart .axis-label { -fx-text-fill: #3d4752; -fx-font-size: 12px; }
            .pareto-chart .chart-legend { -fx-background-color: transparent; -fx-padding: 4 8 0 8; }
            .pareto-chart .default-color0.chart-symbol {
                -fx-background-color: rgba(104, 120, 140, 0.42);
                -fx-background-radius: 6px;
                -fx-padding: 4.5px;
            }
            .pareto-chart .default-color1.chart-symbol {
                -fx-background-color: -lathe-front, white, -lathe-front;
                -fx-background-insets: 0, 2, 3.5;
                -fx-background-radius: 8px;
                -fx-padding: 6.5px;
            }
            .pareto-chart .default-color2.chart-symbol {
                -fx-background-color: -lathe-ink;
                -fx-shape: "M5,0 L10,5 L5,10 L0,5 Z";
                -fx-background-radius: 0;
                -fx-padding: 7.5px;
            }
            .pareto-chart .chart-symbol.selected-point {
                -fx-border-color: -lathe-accent;
                -fx-border-width: 2.5;
                -fx-border-insets: -5;
                -fx-border-radius: 12;
                -fx-effect: dropshadow(gaussian, rgba(47, 111, 222, 0.55), 10, 0.3, 0, 0);
            }
            .pareto-chart .chart-symbol:hover { -fx-scale-x: 1.35; -fx-scale-y: 1.35; -fx-cursor: hand; }
            .pareto-chart .chart-legend-item-symbol:hover { -fx-scale-x: 1; -fx-scale-y: 1; }
            .chart-axes { -fx-padding: 8 12 0 14; }
            .hypervolume-chart { -fx-padding: 4 12 4 4; }
            .hypervolume-chart .chart-plot-background { -fx-background-color: white; }
            .hypervolume-chart .chart-vertical-grid-lines, .hypervolume-chart .chart-horizontal-grid-lines { -fx-stroke: #eceff3; }
            .hypervolume-chart .axis-label { -fx-text-fill: #3d4752; -fx-font-size: 11px; }
            .hypervolume-chart .chart-series-line { -fx-stroke: -lathe-front; -fx-stroke-width: 1.8; }
            .front-line { -fx-stroke: -lathe-front; -fx-stroke-width: 1.6; -fx-stroke-dash-array: 6 4; -fx-opacity: 0.75; -fx-fill: null; }
            .chart-empty { -fx-text-fill: #3d4752; -fx-font-size: 13px; -fx-background-color: white; -fx-padding: 12 16 12 16;
                           -fx-background-radius: 8; -fx-border-color: -lathe-line; -fx-border-radius: 8; -fx-text-alignment: center;
                           -fx-effect: dropshadow(gaussian, rgba(0,0,0,0.08), 10, 0, 0, 2); }

            .detail-panel { -fx-background-color: white; -fx-border-color: transparent transparent transparent -lathe-line; }
            .detail-panel > .viewport { -fx-background-color: white; }
            .detail-box { -fx-padding: 14 16 16 16; -fx-background-color: white; }
            .detail-title { -fx-font-size: 18px; -fx-font-weight: bold; -fx-text-fill: -lathe-ink; }
            .figure-label { -fx-text-fill: -lathe-muted; -fx-font-size: 12px; }
            .figure-value { -fx-text-fill: -lathe-ink; -fx-font-weight: bold; }
            .figure-note { -fx-text-fill: -lathe-muted; -fx-font-size: 11px; }
            .badge { -fx-background-radius: 10; -fx-padding: 2 8 2 8; -fx-font-size: 11px; -fx-font-weight: bold; }
            .badge-front { -fx-background-color: #fde8dc; -fx-text-fill: #b4430a; }
            .badge-original { -fx-background-color: #e3e7ed; -fx-text-fill: -lathe-ink; }
            .badge-failed { -fx-background-color: #fde2e1; -fx-text-fill: #b42318; }
            .badge-pending { -fx-background-color: #eef1f5; -fx-text-fill: -lathe-muted; }
            .chip { -fx-background-color: #e8effc; -fx-text-fill: #1d4ea8; -fx-background-radius: 4; -fx-padding: 2 6 2 6;
                    -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 11px; }
            .group-name { -fx-font-size: 12px; -fx-text-fill: -lathe-ink; }
            .group-count { -fx-font-size: 12px; -fx-text-fill: #3d4752; }
            .error-text { -fx-text-fill: #b42318; }
            .export-status { -fx-font-size: 12px; -fx-text-fill: #3d4752; }

            .table-view { -fx-background-color: white; -fx-border-color: -lathe-line; }
            .table-view .column-header-background, .table-view .column-header, .table-view .filler {
                -fx-background-color: #f5f7fa;
            }
            .table-view .column-header, .table-view .filler {
                -fx-border-color: transparent #e3e7ed #dde2ea transparent;
                -fx-border-width: 0 1 1 0;
                -fx-size: 30;
            }
            .table-view .column-header .label { -fx-font-weight: bold; -fx-text-fill: #3d4752; -fx-alignment: CENTER_LEFT; -fx-padding: 0 6 0 6; }
            .table-row-cell { -fx-background-color: -fx-table-cell-border-color, white; -fx-table-cell-border-color: #eef1f4; }
            .table-row-cell:odd { -fx-background-color: -fx-table-cell-border-color, #fafbfc; }
            .table-row-cell:selected { -fx-background-color: -fx-table-cell-border-color, #2f6fde; }
            .table-row-cell:filled:hover:selected { -fx-background-color: -fx-table-cell-border-color, #2a63c7; }
            .table-cell { -fx-border-color: transparent; }
            .table-row-cell:empty { -fx-background-color: white; }
            .table-row-cell:empty .table-cell { -fx-border-color: transparent; }
            .table-row-cell:pareto .table-cell { -fx-font-weight: bold; }
            .table-row-cell:original .table-cell { -fx-font-style: italic; }
            .table-row-cell:failed .table-cell { -fx-text-fill: #b42318; }
            .table-row-cell:selected .table-cell { -fx-text-fill: white; }
            .bottom-tabs > .tab-header-area { -fx-padding: 5 10 0 10; }
            .bottom-tabs > .tab-header-area > .tab-header-background { -fx-background-color: #f3f5f8; }
            .log-area { -fx-font-family: "DejaVu Sans Mono", "Monospaced"; -fx-font-size: 12px; }
            .log-area .content { -fx-background-color: #fbfcfd; }

            .status-bar { -fx-background-color: white; -fx-border-color: -lathe-line transparent transparent transparent; -fx-padding: 2 8 2 8; }
            .status-bar .label { -fx-text-fill: #3d4752; -fx-font-size: 12px; }

            .drop-overlay { -fx-background-color: rgba(47, 111, 222, 0.12); -fx-border-color: -lathe-accent; -fx-border-width: 3;
                            -fx-border-style: segments(12, 8); -fx-border-insets: 8; }
            .drop-label { -fx-background-color: white; -fx-background-radius: 8; -fx-padding: 14 22 14 22; -fx-font-size: 16px;
                          -fx-font-weight: bold; -fx-text-fill: -lathe-accent; -fx-effect: dropshadow(gaussian, rgba(0,0,0,0.2), 14, 0, 0, 3); }
            .notification-pane .notification-bar > .pane .label { -fx-font-size: 13px; -fx-text-fill: -lathe-ink; -fx-wrap-text: true; }
            .split-pane { -fx-background-color: transparent; -fx-padding: 0; }
            .split-pane > .split-pane-divider { -fx-background-color: -lathe-line; -fx-padding: 0 1 0 1; }
            """;

    /** The stylesheet as a URI the scene accepts. */
    public static String dataUri() {
        return "data:text/css;base64," + Base64.getEncoder().encodeToString(CSS.getBytes(StandardCharsets.UTF_8));
    }
}
