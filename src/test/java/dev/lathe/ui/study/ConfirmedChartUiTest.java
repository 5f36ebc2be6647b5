package dev.lathe.ui.study;

import dev.lathe.TestStudies;
import dev.lathe.study.ConfirmedSpeedup;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.ui.WorkbenchUiTest;
import dev.lathe.ui.common.Formats;
import javafx.scene.Node;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The run view's Pareto chart on a reopened study: a front candidate with a confirmed speed-up is plotted at the
 * confirmed figure (on the speed-up axis, and on the latency axis at the latency it implies against the original),
 * ringed in the "confirmed" series the legend names, with both figures and the interval in its tooltip; a candidate
 * never confirmed stays at the search's own figure. The candidates table shows the confirmed figure in a column of its own.
 */
@Tag("ui")
class ConfirmedChartUiTest extends WorkbenchUiTest {
    private static final int ALL = 0, CONFIRMED = 4;

    @TempDir
    Path dir;

    @Test
    void theChartPlotsTheConfirmedSpeedupWhereThereIsOne(FxRobot robot) throws Exception {
        Path study = TestStudies.copyOfDigitsMlp(dir.resolve("digits.sqlite"));
        // First opening: which candidates the study's front holds (the confirmed figure only ever belongs to one of them).
        robot.interact(() -> app.view().open(study));
        var vm = app.workbench().study();
        waitUntil(60, () -> vm.originalProperty().get() != null && vm.rows().stream().anyMatch(r -> r.isPareto() && !r.isOriginal()));
        long confirmedId = fx(() -> vm.rows().stream().filter(r -> r.isPareto() && !r.isOriginal()).findFirst().orElseThrow().id());
        long otherId;
        try (SqliteStudyStorage s = SqliteStudyStorage.openExisting(study)) {
            // The sample study's search confirmed its front already; the other candidate is one it did not confirm.
            var already = s.confirmations();
            otherId = fx(() -> vm.rows().stream().filter(r -> r.isDone() && !r.isOriginal() && r.speedup() != null && !already.containsKey(r.id()))
                    .findFirst().orElseThrow().id());
            s.recordConfirmation(new ConfirmedSpeedup(confirmedId, 1.737, 1.702, 1.771, 0.0191, 0.0110, 30, "wall", "2026-12-04T20:00:00Z"));
        }

        // Reopened: the confirmation is read from the file.
        robot.interact(() -> app.view().open(study));
        waitUntil(60, () -> vm.row(confirmedId) != null && vm.confirmations().containsKey(confirmedId)
                && vm.confirmations().get(confirmedId).speedup() == 1.737);
        ParetoChart chart = robot.lookup("#paretoChart").queryAs(ParetoChart.class);
        @SuppressWarnings("unchecked")
        ChoiceBox<ChartAxis> x = robot.lookup("#paretoXAxis").queryAs(ChoiceBox.class);

        robot.interact(() -> x.getSelectionModel().select(ChartAxis.SPEEDUP));
        waitUntil(10, () -> xById(chart, CONFIRMED).containsKey(confirmedId));
        CandidateRow confirmedRow = fx(() -> vm.row(confirmedId));
        CandidateRow otherRow = fx(() -> vm.row(otherId));
        assertNotEquals(1.737, fx(confirmedRow::speedup), 1e-9, "the search's own figure differs, so the test tells them apart");
        assertEquals(1.737, fx(() -> xById(chart, ALL).get(confirmedId)), 1e-12, "plotted at the confirmed speed-up");
        assertEquals(1.737, fx(() -> xById(chart, CONFIRMED).get(confirmedId)), 1e-12);
        assertEquals(fx(otherRow::speedup), fx(() -> xById(chart, ALL).get(otherId)), 1e-12, "never confirmed: the search's figure");
        assertFalse(fx(() -> xById(chart, CONFIRMED).containsKey(otherId)));

        String tip = fx(() -> tooltipOf(chart, ALL, confirmedId));
        assertTrue(tip.contains("Speed-up " + Formats.speedup(confirmedRow.speedup()) + " in the search"), tip);
        assertTrue(tip.contains("Confirmed " + Formats.speedup(1.737) + " (95% 1.70–1.77, 30 A B B A cycles against the original, wall clock)"), tip);
        String otherTip = fx(() -> tooltipOf(chart, ALL, otherId));
        assertFalse(otherTip.contains("Confirmed"), otherTip);

        // The candidates table has the confirmed figure in its own column, beside the search's.
        @SuppressWarnings("unchecked")
        javafx.scene.control.TableView<CandidateRow> table = robot.lookup(".table-view").match(n -> n instanceof javafx.scene.control.TableView<?> t
                && t.getColumns().stream().anyMatch(c -> "confirmedColumn".equals(c.getId()))).queryAs(javafx.scene.control.TableView.class);
        var column = fx(() -> table.getColumns().stream().filter(c -> "confirmedColumn".equals(c.getId())).findFirst().orElseThrow());
        assertEquals(1.737, (Double) fx(() -> column.getCellObservableValue(confirmedRow).getValue()), 1e-12);
        assertNull(fx(() -> column.getCellObservableValue(otherRow).getValue()));

        // On the latency axis the confirmed point sits at the original's latency over the confirmed ratio.
        robot.interact(() -> x.getSelectionModel().select(ChartAxis.LATENCY));
        waitUntil(10, () -> xById(chart, CONFIRMED).containsKey(confirmedId));
        double originalMs = fx(() -> ChartAxis.LATENCY.of(vm.originalProperty().get()));
        assertEquals(originalMs / 1.737, fx(() -> xById(chart, ALL).get(confirmedId)), 1e-9);
        assertEquals(fx(() -> ChartAxis.LATENCY.of(otherRow)), fx(() -> xById(chart, ALL).get(otherId)), 1e-12);

        // The legend names the ring; on an axis the confirmation says nothing about (size) nothing is ringed.
        List<String> legend = fx(() -> chart.lookupAll(".chart-legend-item").stream().filter(n -> n instanceof Label).map(n -> ((Label) n).getText()).toList());
        assertTrue(legend.contains("Confirmed speed-up (A B B A vs original)"), legend.toString());
        robot.interact(() -> x.getSelectionModel().select(ChartAxis.SIZE));
        waitUntil(10, () -> xById(chart, CONFIRMED).isEmpty());
    }

    private static Map<Long, Double> xById(ParetoChart chart, int series) {
        Map<Long, Double> out = new TreeMap<>();
        for (XYChart.Data<Number, Number> d : chart.getData().get(series).getData())
            out.put(((CandidateRow) d.getExtraValue()).id(), d.getXValue().doubleValue());
        return out;
    }

    /** The text of the tooltip installed on {@code id}'s point in {@code series}. */
    private static String tooltipOf(ParetoChart chart, int series, long id) {
        for (XYChart.Data<Number, Number> d : chart.getData().get(series).getData()) {
            if (((CandidateRow) d.getExtraValue()).id() != id) continue;
            Node n = d.getNode();
            Object t = n.getProperties().get("javafx.scene.control.Tooltip");
            return t instanceof Tooltip tip ? tip.getText() : "";
        }
        throw new AssertionError("no point for candidate " + id);
    }
}
