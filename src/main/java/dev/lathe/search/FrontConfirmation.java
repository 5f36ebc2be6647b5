package dev.lathe.search;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.timing.InterleavedComparison;
import dev.lathe.study.CandidateRecord;
import dev.lathe.study.ConfirmedSpeedup;
import dev.lathe.study.Study;
import dev.lathe.study.StudyStorage;
import dev.lathe.transform.CandidateBuilder;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The step after a search (and {@code candidates --confirm}): every candidate on the study's front is rebuilt and timed
 * interleaved with the original in the measurer's one process ({@link InterleavedComparison}), and the confirmed
 * speed-up is stored beside the search's own. A search compares medians taken minutes apart, corrected for drift by
 * references; on a shared machine that can still be off by several percent where the interleaved ratio is not.
 * The original itself (an empty genome) needs no confirmation. A candidate that fails is logged and skipped.
 */
public final class FrontConfirmation {
    private FrontConfirmation() {}

    /**
     * Confirms the front of a stored study on this machine ({@code candidates --confirm}): the original the study
     * measured (refused if its file changed), the study's settings and data, a measurement worker as in its search.
     * A search running on the same file at the same time is refused.
     */
    public static List<ConfirmedSpeedup> confirmStudy(StudyStorage store, Consumer<String> log) throws Exception {
        try (var ignored = dev.lathe.study.storage.StudyLock.acquire(store.file())) {
            var studyModel = dev.lathe.study.StudyModel.of(store);
            var config = dev.lathe.config.StudyConfig.of(store).orElseThrow(() -> new IllegalStateException(store.file() + ": the study has no settings"));
            var split = config.data().resolve(studyModel.model());
            CandidateBuilder builder = CandidateBuilders.of(studyModel.model(), config, split, log);
            Study study = Study.load(store, config.measuring().objective(), config.constraints());
            try (CandidateMeasurer measurer = SearchRunner.DEFAULT_MEASURERS.open(config.measurementSetup(studyModel.path()), config.measuring(), log)) {
                measurer.start();
                return run(study, builder, measurer, store, log, () -> false);
            }
        }
    }

    /** Times one front candidate A B B A against the original, wherever that is done (this machine's worker, a pool device). */
    @FunctionalInterface
    public interface Confirmer {
        InterleavedComparison.Result confirm(CandidateRecord candidate, Genome genome) throws CandidateFailedException;
    }

    /** Confirms {@code study}'s front; returns the confirmations stored, stopping early when {@code stop} says so. */
    public static List<ConfirmedSpeedup> run(Study study, CandidateBuilder builder, CandidateMeasurer measurer, StudyStorage store,
                                             Consumer<String> log, BooleanSupplier stop) {
        return run(study, (c, g) -> measurer.confirm(builder.build(g)), null, store, log, stop);
    }

    /**
     * Confirms {@code study}'s front through {@code confirmer}, every candidate on the one {@code device} it names
     * (stored with each row and said in the log; null for this machine).
     */
    public static List<ConfirmedSpeedup> run(Study study, Confirmer confirmer, String device, StudyStorage store,
                                             Consumer<String> log, BooleanSupplier stop) {
        List<CandidateRecord> front = study.front().stream().filter(c -> !GenomeJson.read(c.genomeJson()).isOriginal()).toList();
        List<ConfirmedSpeedup> out = new ArrayList<>();
        if (front.isEmpty()) return out;
        if (study.objective() != dev.lathe.study.Objective.LATENCY) {
            log.accept("The front is of " + study.objective().label() + ", not latency: its speed-ups are not confirmed");
            return out;
        }
        log.accept("Confirming the front" + (device == null ? "" : " on device " + device) + ": " + front.size()
                + " candidate(s) timed interleaved with the original (A B B A)");
        for (CandidateRecord c : front) {
            if (stop.getAsBoolean()) break;
            try {
                Genome g = GenomeJson.read(c.genomeJson());
                InterleavedComparison.Result r = confirmer.confirm(c, g);
                ConfirmedSpeedup confirmed = new ConfirmedSpeedup(c.id(), r.speedup(), r.low(), r.high(), r.originalMs(), r.candidateMs(), r.cycles(),
                        r.clock(), Instant.now().toString(), device);
                store.recordConfirmation(confirmed);
                out.add(confirmed);
                Double searched = study.speedup(c);
                log.accept(String.format(java.util.Locale.ROOT, "confirmed #%d: search %s, interleaved %s%s", c.id(),
                        searched == null ? "-" : String.format(java.util.Locale.ROOT, "%.2fx", searched), confirmed.describe(),
                        device == null ? "" : " on " + device));
            } catch (UnsupportedOperationException e) {
                log.accept("The front is not confirmed: " + e.getMessage());
                break;
            } catch (CandidateFailedException | RuntimeException e) {
                log.accept("confirming candidate " + c.id() + " failed: " + e.getMessage());
            }
        }
        return out;
    }
}
