package dev.lathe.study;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a study's trials and provenance are kept: the one narrow interface between the study and its file.
 * {@code storage.SqliteStudyStorage} is the file a search writes and every viewer reads; {@code storage.InMemoryStudyStorage}
 * holds the same in memory for tests. The search writes from one thread; readers may read at any time.
 * Everything is typed: no caller reads or writes a key, and none serializes JSON for it.
 */
public interface StudyStorage extends AutoCloseable {
    /** Where the study lives, for messages and provenance (the file, or a name for a study in memory). */
    Path file();

    // ---- provenance

    /** The model the study belongs to, or empty for a new study. */
    Optional<StudyOrigin> origin();

    /** Binds a new study to its model; written once. */
    void recordOrigin(StudyOrigin origin);

    /**
     * The study's configuration as stored (JSON whose format the configuration owns), or empty for a new study.
     * Studies from before the configuration was one document hold the pre-configuration settings, handed back
     * as the version-1 document {@code {"version":1,"settings":…,"measuring":…}}.
     */
    Optional<String> configuration();

    void saveConfiguration(String json);

    /** The evaluation data the study was measured on, or empty before the first search. */
    Optional<DataIdentity> data();

    void recordData(DataIdentity data);

    /** The measuring machine as JSON ({@code MachineInfo}'s fields), or empty. */
    Optional<String> machine();

    void recordMachine(dev.lathe.eval.MachineInfo machine);

    /** What the model outputs ("logits", "embedding", …) as the measuring process saw it, or empty. */
    Optional<String> outputKind();

    void recordOutputKind(String kind);

    /** How pruned units were ranked and repaired ("criterion+repair"), or empty. */
    Optional<String> pruning();

    void recordPruning(String criterionAndRepair);

    /** The per-layer sensitivity report measured once per study (JSON), or empty until measured. */
    Optional<String> sensitivity();

    void recordSensitivity(String reportJson);

    // ---- trials

    /** Adds a candidate to be measured, or returns the existing one with the same genome. */
    CandidateRecord addPending(String genomeKey, String origin, int generation);

    void markRunning(long id);

    /** Stores a measured candidate's figures. */
    void recordDone(long id, TrialResult result);

    void recordFailed(long id, String error);

    /** After a crash or a kill: candidates caught mid-measurement go back to pending; returns how many. */
    int resetInterrupted();

    /** Every candidate in id order. */
    List<CandidateRecord> all();

    Optional<CandidateRecord> get(long id);

    Optional<CandidateRecord> byGenome(String genomeKey);

    long count(CandidateStatus status);

    /** A candidate's raw wall-clock latency samples (ms, in the order taken), or empty when none were stored. */
    Optional<double[]> latencySamples(long id);

    /** A candidate's CPU time per timed run (ms), or empty when none was stored. */
    Optional<double[]> cpuSamples(long id);

    // ---- references

    /** Records a re-measurement of the original, taken after {@code afterCandidates} measured candidates. */
    default ReferenceRun recordReference(int afterCandidates, TrialResult latency) {
        return recordReference(afterCandidates, latency, null);
    }

    /** The same, measured on pool device {@code device} (null: this machine). */
    ReferenceRun recordReference(int afterCandidates, TrialResult latency, String device);

    /** Which pool device measured candidate {@code id}; recorded after its figures (a candidate measured here has none). */
    void recordDevice(long id, String device);

    /** The reference measurements of the original, oldest first. */
    List<ReferenceRun> references();

    /** Keeps what the predictor strategy learned in one generation (its predictors' tau and error). */
    void appendPredictorReport(PredictorReport report);

    /** The predictor strategy's reports, one per generation, oldest first; empty for other strategies. */
    List<PredictorReport> predictorReports();

    // ---- distillation (schema 4), apart from the measured figures

    /** Keeps one distillation of a candidate; returns it with the id the storage gave it. */
    DistilledCandidate recordDistilled(DistilledCandidate distilled);

    /** Every distillation recorded, oldest first. */
    List<DistilledCandidate> distilled();

    /** Keeps a front candidate's confirmed speed-up, replacing an earlier confirmation of the same candidate. */
    void recordConfirmation(ConfirmedSpeedup confirmed);

    /** The confirmed speed-ups by candidate id; empty when none was confirmed. */
    java.util.Map<Long, ConfirmedSpeedup> confirmations();

    @Override
    void close();
}
