package dev.lathe.ui.run;

import dev.lathe.search.HypervolumeHistory;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.Study;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.ChartAxis;
import dev.lathe.ui.study.ParetoChart;
import dev.lathe.ui.study.StudyViewModel;
import javafx.scene.Scene;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ChoiceBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.lathe.ui.WorkbenchUiTest.fx;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The run view's charts on a hand-made study, headless: the x axis follows the choice box, the front follows the
 * chosen axes, candidates without a figure drop out, and the hypervolume chart shows the study's history.
 */
@ExtendWith(ApplicationExtension.class)
@Tag("ui")
class ParetoPanelTest {
    /** id → latency ms, quality, size bytes, parameters, peak memory (null: not recorded). */
    private static final List<CandidateRecord> STUDY = List.of(
            record(1, 10, 0.90, 1000, 100, 5000L),  // the original
            record(2, 5, 0.80, 900, 90, 4000L),
            record(3, 8, 0.85, 300, 30, 4500L),      // on the size front: smaller and better than 2 and 4
            record(4, 4, 0.70, 950, 95, null),
            record(5, 12, 0.60, 200, 20, null));     // dominated on latency, the smallest of all

    private StudyViewModel study;

    private static CandidateRecord record(long id, double latencyMs, double quality, long size, long parameters, Long peak) {
        String genome = id == 1 ? "{\"keep\":{},\"int8\":[]}" : "{\"keep\":{\"ffn.0\":0." + (9 - id) + "},\"int8\":[]}";
        return new CandidateRecord(id, genome, "test", 0, CandidateStatus.DONE, latencyMs, latencyMs * 1.1, quality, "accuracy", quality, quality,
                size, parameters, null, null, null, 1.0, null, null, peak);
    }

    @Start
    void start(Stage stage) {
        study = new StudyViewModel(new Background());
        stage.setScene(new Scene((javafx.scene.Parent) new ParetoPanel(study).node(), 900, 700));
        stage.show();
    }

    @Test
    void theXAxisAndTheFrontFollowTheChosenFigure(FxRobot robot) throws Exception {
        robot.interact(() -> study.setCandidates(Path.of("hand.lathe"), latency(STUDY)));
        ParetoChart chart = robot.lookup("#paretoChart").queryAs(ParetoChart.class);
        @SuppressWarnings("unchecked")
        ChoiceBox<ChartAxis> x = robot.lookup("#paretoXAxis").queryAs(ChoiceBox.class);

        assertEquals(ChartAxis.LATENCY, fx(x::getValue));
        assertEquals(Map.of(1L, 10.0, 2L, 5.0, 3L, 8.0, 4L, 4.0, 5L, 12.0), fx(() -> xById(chart, 0)));
        assertEquals(Set.of(1L, 2L, 3L, 4L), fx(() -> xById(chart, 1).keySet()), "the latency front");
        assertTrue(fx(() -> chart.getXAxis().getLabel()).startsWith("Latency"));

        robot.interact(() -> x.getSelectionModel().select(ChartAxis.SIZE));
        assertEquals(Map.of(1L, 1000.0, 2L, 900.0, 3L, 300.0, 4L, 950.0, 5L, 200.0), fx(() -> xById(chart, 0)), "the records' sizes");
        assertEquals(Set.of(1L, 3L, 5L), fx(() -> xById(chart, 1).keySet()), "the size front: 3 beats 2 and 4 on both");
        assertEquals(Map.of(1L, 1000.0), fx(() -> xById(chart, 2)), "the original is marked at its size");
        assertTrue(fx(() -> chart.getXAxis().getLabel()).startsWith("Model size (lower is better)"));

        robot.interact(() -> x.getSelectionModel().select(ChartAxis.SPEEDUP));
        assertEquals(Map.of(1L, 1.0, 2L, 2.0, 3L, 1.25, 4L, 2.5, 5L, 10 / 12.0), fx(() -> xById(chart, 0)));
        assertEquals(Set.of(1L, 2L, 3L, 4L), fx(() -> xById(chart, 1).keySet()), "more speed-up is better: 5 is dominated");

        robot.interact(() -> x.getSelectionModel().select(ChartAxis.PEAK_MEMORY));
        assertEquals(Set.of(1L, 2L, 3L), fx(() -> xById(chart, 0).keySet()), "candidates without a peak memory figure are left out");

        HypervolumeChart hv = robot.lookup("#hypervolumeChart").queryAs(HypervolumeChart.class);
        assertEquals(HypervolumeHistory.of(latency(STUDY)), fx(hv::points));
        assertEquals(5, fx(() -> hv.getData().getFirst().getData().size()));
        // 2 at (0.5, 0.2) covers 0.4; 4 at (0.4, 0.3) adds 0.1 x 0.7; 3 at (0.8, 0.15) adds 0.2 x 0.05.
        assertEquals(0.4 + 0.07 + 0.01, HypervolumeHistory.last(fx(hv::points)), 1e-12);
    }

    /** A study searched on peak memory opens on its memory axis, and the chart's front there is the study's own. */
    @Test
    void aMemoryObjectiveStudyOpensOnItsMemoryFront(FxRobot robot) throws Exception {
        Study memory = new Study(STUDY, List.of(), Objective.MEMORY, Constraints.NONE);
        robot.interact(() -> study.setCandidates(Path.of("memory.lathe"), memory));
        ParetoChart chart = robot.lookup("#paretoChart").queryAs(ParetoChart.class);
        @SuppressWarnings("unchecked")
        ChoiceBox<ChartAxis> x = robot.lookup("#paretoXAxis").queryAs(ChoiceBox.class);
        assertEquals(ChartAxis.PEAK_MEMORY, fx(x::getValue));
        assertEquals(memory.frontIds(), fx(() -> xById(chart, 1).keySet()), "the study's front");
        assertEquals(Set.of(1L, 2L, 3L), memory.frontIds(), "4 and 5 have no peak memory figure; 1, 2 and 3 trade memory for quality");
    }

    @Test
    void hoveringAPointTellsItsIdFiguresAndGenome() {
        CandidateRow row = new CandidateRow(STUDY.get(2));
        String text = ParetoChart.tooltipText(row, true);
        assertTrue(text.startsWith("Candidate #3 · on the front of these axes"), text);
        for (String part : List.of("Latency 8.00 ms", "accuracy 0.8500", "Size 300 B", "Parameters 30", "Peak memory 4.5 kB",
                "1 group pruned", "keeps ffn.0 60 %"))
            assertTrue(text.contains(part), part + " in " + text);
    }

    private static Study latency(List<CandidateRecord> trials) {
        return new Study(trials, List.of(), Objective.LATENCY, Constraints.NONE);
    }

    private static Map<Long, Double> xById(ParetoChart chart, int series) {
        Map<Long, Double> out = new TreeMap<>();
        for (XYChart.Data<Number, Number> d : chart.getData().get(series).getData())
            out.put(((CandidateRow) d.getExtraValue()).id(), d.getXValue().doubleValue());
        return out;
    }

}
