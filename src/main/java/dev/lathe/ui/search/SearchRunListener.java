package dev.lathe.ui.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.timing.LatencyClock;
import dev.lathe.search.SearchRunner;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.DriftCorrection;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.Study;
import dev.lathe.study.StudyStorage;
import dev.lathe.ui.common.Formats;
import dev.lathe.ui.study.CandidateRow;
import dev.lathe.ui.study.StudyViewModel;
import javafx.application.Platform;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a running search tells the window, called on the search thread: each event is handed to the FX thread,
 * where the run's progress and log ({@link SearchViewModel}) and the study's rows and chart ({@link StudyViewModel})
 * are updated.
 */
final class SearchRunListener implements SearchRunner.Listener {
    private final SearchViewModel run;
    private final StudyViewModel study;
    private final StudyStorage store;
    private final Supplier<StudyConfig> config;

    /** {@code config} is what the search runs with (the study's own settings when it resumes one). */
    SearchRunListener(SearchViewModel run, StudyViewModel study, StudyStorage store, Supplier<StudyConfig> config) {
        this.run = run;
        this.study = study;
        this.store = store;
        this.config = config;
    }

    @Override
    public void message(String text) {
        Platform.runLater(() -> run.appendLog(text));
    }

    @Override
    public void started(int measured, int budget) {
        LatencyClock timing = config.get().measuring().clock();
        Platform.runLater(() -> {
            study.setClock(timing);
            run.showProgress(measured, budget, Double.NaN);
        });
    }

    @Override
    public void referenceMeasured(ReferenceRun reference, DriftCorrection drift) {
        List<ReferenceRun> refs = store.references();
        Platform.runLater(() -> study.showReferences(refs));
    }

    @Override
    public void paused(int measured, int budget, Long lastCandidate) {
        Platform.runLater(() -> run.showPaused(measured, budget, lastCandidate));
    }

    @Override
    public void resumed(int measured, int budget) {
        Platform.runLater(() -> run.showResumed(measured, budget));
    }

    @Override
    public void candidateFinished(CandidateRecord c, Study after, int measured, int budget, double secondsLeft) {
        Set<Long> front = after.frontIds();
        String violated = after.describeViolations(c);
        String line = (violated.isEmpty() ? "" : "✗ ") + (c.isDone()
                ? String.format(Locale.ROOT, "#%-4d %12s   %s %s   %-22s %s", c.id(), Formats.ms(c.latencyMs()), c.qualityMetric(),
                Formats.quality(c.quality()), new CandidateRow(c).changes(), front.contains(c.id()) ? "★ Pareto front" : "")
                : "#" + c.id() + "  failed: " + c.error()) + (violated.isEmpty() ? "" : "  violates " + violated);
        Platform.runLater(() -> {
            study.update(c, after);
            run.appendLog(line.stripTrailing());
            run.showProgress(measured, budget, secondsLeft);
        });
    }
}
