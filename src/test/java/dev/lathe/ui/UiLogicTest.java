package dev.lathe.ui;

import dev.lathe.analysis.GroupKind;
import dev.lathe.analysis.PrunableGroup;
import dev.lathe.model.ModelFormatException;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.model.ModelViewModel;
import dev.lathe.ui.search.SearchViewModel;
import dev.lathe.ui.study.CandidateDetail;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The view models' plain logic, without a toolkit: formatting, names, error texts and candidate details. */
class UiLogicTest {
    @Test
    void formatsFiguresForPeople() {
        assertEquals("17,226", Formats.count(17226));
        assertEquals("17.0 k", Formats.compact(17024));
        assertEquals("1.43 G", Formats.compact(1_430_000_000L));
        assertEquals("69.7 kB", Formats.bytes(69725));
        assertEquals("91.0 MB", Formats.bytes(90_984_153));
        assertEquals("0.00937 ms", Formats.ms(0.00937));
        assertEquals("28.0 ms", Formats.ms(28.04));
        assertEquals("–", Formats.ms(null));
        assertEquals("1.84×", Formats.speedup(1.8412));
        assertEquals("3.0 s", Formats.duration(3.04));
        assertEquals("2 min 05 s", Formats.duration(125));
    }

    @Test
    void referenceDriftIsTheLatestReferenceAndHalfTheRangeOfAll() {
        assertEquals("", StudyViewModel.referenceSummary(List.of()));
        var first = new dev.lathe.study.ReferenceRun(1, "2026-01-01T10:00:00Z", 0, 40.0, null, null, null);
        var second = new dev.lathe.study.ReferenceRun(2, "2026-01-01T10:05:00Z", 10, 42.0, null, null, null);
        assertEquals("Reference 40.0 ms (1 measurement)", StudyViewModel.referenceSummary(List.of(first)));
        // range 2 ms over median 41 ms = 4.88%, half of it either way: ±2.4%
        assertEquals("Reference 42.0 ms ±2.4% over 2 measurements", StudyViewModel.referenceSummary(List.of(first, second)));
    }

    @Tag("minilm")
    @Test
    void namesModelsAfterTheirFolderWhenTheFileIsJustModelOnnx() {
        assertEquals("digits-mlp", ModelViewModel.displayName(Path.of("sample-models/digits-mlp/model.onnx")));
        assertEquals("all-minilm-l6-v2", ModelViewModel.displayName(Path.of("x/all-minilm-l6-v2.onnx")));
    }

    @Test
    void errorTextsDoNotRepeatTheFileName() {
        String p = Background.problem(new ModelFormatException(Path.of("/tmp/bad.onnx"), "not a valid ONNX model"));
        assertEquals("not a valid ONNX model", p);
        assertEquals("NoClassDefFoundError: a/B", Background.problem(new NoClassDefFoundError("a/B")));
        assertEquals("IllegalStateException", Background.problem(new IllegalStateException()));
    }

    @Test
    void detailSaysWhatACandidateKeepsOfEveryGroup() {
        PrunableGroup a = new PrunableGroup("ffn/a", GroupKind.FFN_UNITS, "/a/Gemm", 128, 1, List.of(), List.of(), null);
        PrunableGroup b = new PrunableGroup("ffn/b", GroupKind.FFN_UNITS, "/b/Gemm", 64, 1, List.of(), List.of(), null);
        CandidateRow original = new CandidateRow(record(1, "{\"keep\":{},\"int8\":[]}", 0.02, 69725L));
        CandidateRow pruned = new CandidateRow(record(2, "{\"keep\":{\"ffn/a\":0.8125},\"int8\":[\"/b/Gemm\"]}", 0.01, 30000L));
        assertTrue(original.isOriginal());
        assertFalse(pruned.isOriginal());
        assertEquals("1 group pruned · 1 int8", pruned.changes());

        CandidateDetail d = CandidateDetail.of(pruned, List.of(a, b), original.record());
        assertEquals(2, d.groups().size());
        assertEquals(104, d.groups().get(0).kept());
        assertEquals(128, d.groups().get(0).of());
        assertTrue(d.groups().get(0).pruned());
        assertEquals(64, d.groups().get(1).kept());
        assertFalse(d.groups().get(1).pruned());
        assertEquals(Map.of("/b/Gemm", "int8"), d.precisions());
        assertEquals(30000 / 69725.0, d.sizeShare(), 1e-12);

        CandidateDetail unknownGroups = CandidateDetail.of(pruned, List.of(), null);
        assertEquals(1, unknownGroups.groups().size());
        assertEquals(-1, unknownGroups.groups().get(0).of());
        assertNull(unknownGroups.sizeShare());
    }

    private static CandidateRecord record(long id, String genome, double latency, Long size) {
        return new CandidateRecord(id, genome, "nsga2", 0, CandidateStatus.DONE, latency, latency * 1.2, 0.95, "accuracy", 0.97, 0.95,
                size, 1000L, "{}", "{}", null, 0.5, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z");
    }

    @Test
    void theSearchFormCarriesTheClockAndTakesOverAStudysClock() {
        SearchViewModel form = new SearchViewModel(new Background());
        assertEquals(dev.lathe.eval.timing.LatencyClock.CPU, form.settings().measuring().clock(), "CPU time by default at one thread on the CPU provider");
        form.threadsProperty().set(2);
        assertEquals(dev.lathe.eval.timing.LatencyClock.WALL, form.clockProperty().get(), "with several threads the default is the wall clock");
        form.threadsProperty().set(1);
        assertEquals(dev.lathe.eval.timing.LatencyClock.CPU, form.clockProperty().get());
        form.clockProperty().set(dev.lathe.eval.timing.LatencyClock.WALL);
        assertEquals(dev.lathe.eval.timing.LatencyClock.WALL, form.settings().measuring().clock(), "a choice made after stands");
        form.clockProperty().set(dev.lathe.eval.timing.LatencyClock.CPU);
        assertEquals(dev.lathe.eval.timing.LatencyClock.CPU, form.settings().measuring().clock(), "the choice reaches the settings the search runs with");
        form.apply(dev.lathe.config.StudyConfig.defaults());
        assertEquals(dev.lathe.eval.timing.LatencyClock.WALL, form.clockProperty().get(), "opening a study shows the clock it was timed on");
    }

    @Test
    void theSearchFormCarriesTheStrategyAndTakesOverAStudys() {
        SearchViewModel form = new SearchViewModel(new Background());
        assertEquals(dev.lathe.config.StrategyKind.NSGA2, form.settings().search().strategy());
        form.strategyProperty().set(dev.lathe.config.StrategyKind.PREDICTOR);
        assertEquals(dev.lathe.config.StrategyKind.PREDICTOR, form.settings().search().strategy(), "the choice reaches the settings the search runs with");
        form.apply(dev.lathe.config.StudyConfig.defaults());
        assertEquals(dev.lathe.config.StrategyKind.NSGA2, form.strategyProperty().get(), "opening a study shows its strategy");
    }
}
