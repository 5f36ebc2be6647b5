package dev.lathe.eval.quality;

import dev.lathe.TestModels;
import dev.lathe.config.PrecisionChoices;
import dev.lathe.config.StudyConfig;
import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.OrtRunner;
import dev.lathe.search.SearchRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.Constraints;
import dev.lathe.study.Objective;
import dev.lathe.study.StoppedEarly;
import dev.lathe.study.Study;
import dev.lathe.study.storage.SqliteStudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.pruning.PruningOptions;
import dev.lathe.transform.quantization.QuantizationOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Early-stopped quality runs on the digits MLP (accuracy on its 540 labelled test rows): a run stops only for a
 * candidate whose full score is below the floor, never for one that meets it, and a run that goes on gives the full
 * run's figures exactly. In a search the stopped candidates are labelled in the study and kept off the front.
 */
class EarlyStopTest {
    @TempDir Path dir;

    @Test
    void stopsOnlyCandidatesThatFullScoringPutsBelowTheFloor() throws Exception {
        OnnxModel m = OnnxModel.load(TestModels.digitsMlp());
        var split = EvaluationData.resolve(m, null, null, InputShapes.of(1, 1));
        QualityEvaluator quality = new QualityEvaluator(m, split.evaluation(), OrtRunner.RunnerSettings.cpu(1));
        int n = split.evaluation().size();
        CandidateBuilder builder = CandidateBuilder.create(m, PruningOptions.MAGNITUDE, QuantizationOptions.DEFAULT, split.calibration().samples());
        List<byte[]> candidates = new ArrayList<>();
        for (double r : new double[] {1.0, 0.75, 0.5, 0.3, 0.15, 0.05}) {
            Map<String, Double> keep = new LinkedHashMap<>();
            builder.groups().forEach(g -> keep.put(g.id(), r));
            candidates.add(builder.build(Genome.of(keep, Set.of())).toBytes());
        }
        int stopped = 0, kept = 0, early = Integer.MAX_VALUE;
        for (byte[] c : candidates) {
            QualityReport full = quality.evaluate(c);
            assertFalse(full.isStoppedEarly());
            for (double floor : new double[] {0.5, 0.8, 0.9, 0.95, 0.975, 0.99}) {
                QualityReport raced = quality.evaluate(c, floor);
                if (raced.isStoppedEarly()) {
                    stopped++;
                    early = Math.min(early, raced.samples());
                    assertTrue(full.quality() < floor, "stopped a candidate scoring " + full.quality() + " fully, at floor " + floor);
                    assertEquals(n, raced.stoppedEarlyOf());
                    assertTrue(raced.samples() < n);
                    assertTrue(raced.quality() < floor, "the figure of the samples scored is below the floor too: " + raced.quality());
                } else {
                    kept++;
                    assertEquals(full, raced, "a run that is not stopped is the full run");
                }
            }
        }
        assertTrue(stopped > 3 && kept > 3, "both decisions happen: " + stopped + " stopped, " + kept + " scored fully");
        assertTrue(early < n / 2, "a clearly bad candidate stops well before the end: after " + early + " of " + n);
    }

    @Test
    void aSearchLabelsStoppedCandidatesAndKeepsThemOffTheFront() throws Exception {
        Path file = dir.resolve("raced.sqlite");
        Constraints bound = new Constraints(null, null, null, 0.975);
        StudyConfig s = dev.lathe.TestStudies.quickDigitsMlp(8, 3)
                .with(dev.lathe.config.PrecisionConfig.of(PrecisionChoices.DEFAULT, QuantizationOptions.DEFAULT, 0)).with(bound);
        try (SqliteStudyStorage store = SqliteStudyStorage.open(file)) {
            new SearchRunner(TestModels.digitsMlp(), s, store, new SearchRunner.Listener() {}).run();
        }
        try (SqliteStudyStorage store = SqliteStudyStorage.openExisting(file)) {
            Study study = Study.load(store, Objective.LATENCY, bound);
            List<CandidateRecord> done = store.all().stream().filter(CandidateRecord::isDone).toList();
            List<CandidateRecord> early = done.stream().filter(StoppedEarly::is).toList();
            assertFalse(early.isEmpty(), () -> "heavily pruned candidates stop early: " + done.stream().map(CandidateRecord::quality).toList());
            for (CandidateRecord c : early) {
                StoppedEarly e = StoppedEarly.of(c).orElseThrow();
                assertEquals(540, e.total());
                assertTrue(e.samples() < 540);
                assertFalse(study.onFront(c));
                assertFalse(study.feasible(c));
                assertTrue(c.quality() < 0.975);
            }
            for (CandidateRecord c : done) if (!StoppedEarly.is(c)) assertTrue(c.qualityJson().contains("\"samples\":540"), c.qualityJson());
        }
    }
}
