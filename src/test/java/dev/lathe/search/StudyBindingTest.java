package dev.lathe.search;

import dev.lathe.config.MeasuringConfig;
import dev.lathe.config.SearchConfig;
import dev.lathe.config.StrategyKind;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.StudyException;
import dev.lathe.study.storage.InMemoryStudyStorage;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The resume rules, on a study in memory: what a search of an existing study runs with, and what it refuses. */
class StudyBindingTest {
    private static final Path MODEL = Path.of("/models/m.onnx");
    private static final Constraints SMALL = new Constraints(null, null, 1.0, 0.9);

    private static StudyConfig stored() {
        return StudyConfig.defaults().with(new SearchConfig(10, 7, 4, StrategyKind.RANDOM)).with(SMALL)
                .with(MeasuringConfig.DEFAULT.withObjective(Objective.MEMORY));
    }

    @Test
    void aNewStudyTakesTheConfigurationAskedForAndRecordsIt() {
        InMemoryStudyStorage s = new InMemoryStudyStorage();
        StudyBinding b = StudyBinding.of(s, stored());
        assertFalse(b.resumed());
        assertEquals(stored(), b.config());
        b.record(s, MODEL, "sha", m -> fail("nothing to say: " + m));
        assertEquals("sha", s.origin().orElseThrow().modelSha256());
        assertEquals(stored(), StudyConfig.of(s).orElseThrow());
    }

    @Test
    void aResumedStudyKeepsItsOwnConfigurationButForTheBudgetAndThisRunsIsolation() {
        InMemoryStudyStorage s = new InMemoryStudyStorage();
        StudyBinding.of(s, stored()).record(s, MODEL, "sha", m -> {});
        StudyConfig asked = StudyConfig.defaults().withBudget(20).with(MeasuringConfig.DEFAULT.withIsolation(false).withTimeout(9));
        StudyBinding b = StudyBinding.of(s, asked);
        assertTrue(b.resumed());
        assertEquals(20, b.config().search().budget(), "only the budget may grow");
        assertEquals(new SearchConfig(20, 7, 4, StrategyKind.RANDOM), b.config().search());
        assertEquals(Objective.MEMORY, b.config().measuring().objective(), "the study's objective, so old and new figures compare");
        assertFalse(b.config().measuring().isolated(), "isolation is this run's choice");
        assertEquals(9, b.config().measuring().timeoutSeconds());
        assertEquals(SMALL, b.config().constraints(), "none given keeps the study's");
        assertTrue(b.notes().contains("Keeping the study's constraints: size ≤ 1 MB, quality ≥ 0.9"), b.notes().toString());

        Constraints fast = new Constraints(5.0, null, null, null);
        StudyBinding changed = StudyBinding.of(s, asked.with(fast));
        assertEquals(fast, changed.config().constraints(), "constraints given anew replace the study's");
        assertTrue(changed.notes().getFirst().startsWith("Constraints changed from size ≤ 1 MB, quality ≥ 0.9 to latency ≤ 5 ms"), changed.notes().toString());
        List<String> log = new ArrayList<>();
        changed.record(s, MODEL, "sha", log::add);
        assertEquals(changed.notes(), log);
        assertEquals(fast, StudyConfig.of(s).orElseThrow().constraints());
    }

    @Test
    void anotherClockOrAnotherModelIsRefused() {
        InMemoryStudyStorage s = new InMemoryStudyStorage();
        StudyBinding.of(s, stored()).record(s, MODEL, "sha", m -> {});
        StudyException clock = assertThrows(StudyException.class, () -> StudyBinding.of(s, stored().withClock(LatencyClock.CPU)));
        assertTrue(clock.getMessage().contains("Resume with --clock wall"), clock.getMessage());
        StudyException model = assertThrows(StudyException.class, () -> StudyBinding.of(s, stored()).record(s, MODEL, "other", m -> {}));
        assertTrue(model.getMessage().contains("belongs to a different model (/models/m.onnx)"), model.getMessage());
    }
}
