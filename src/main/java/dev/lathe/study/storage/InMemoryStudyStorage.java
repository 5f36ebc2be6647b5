package dev.lathe.study.storage;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.study.DataIdentity;
import dev.lathe.study.PredictorReport;
import dev.lathe.study.ReferenceRun;
import dev.lathe.study.StudyOrigin;
import dev.lathe.study.StudyStorage;
import dev.lathe.study.TrialResult;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A study held in memory, for tests: the same contract as {@link SqliteStudyStorage} (unique genomes, pending
 * and running candidates reset after a crash, references oldest first), nothing written anywhere.
 */
public final class InMemoryStudyStorage implements StudyStorage {
    private final Path name;
    private final List<CandidateRecord> candidates = new ArrayList<>();
    private final List<double[][]> samples = new ArrayList<>();
    private final List<ReferenceRun> references = new ArrayList<>();
    private final List<PredictorReport> predictorReports = new ArrayList<>();
    private final List<dev.lathe.study.DistilledCandidate> distilled = new ArrayList<>();
    private StudyOrigin origin;
    private String configuration, machine, outputKind, pruning, sensitivity;
    private DataIdentity data;

    public InMemoryStudyStorage() {
        this(Path.of("in-memory study"));
    }

    public InMemoryStudyStorage(Path name) {
        this.name = name;
    }

    @Override
    public Path file() { return name; }

    @Override
    public synchronized Optional<StudyOrigin> origin() { return Optional.ofNullable(origin); }

    @Override
    public synchronized void recordOrigin(StudyOrigin o) { origin = o; }

    @Override
    public synchronized Optional<String> configuration() { return Optional.ofNullable(configuration); }

    @Override
    public synchronized void saveConfiguration(String json) { configuration = json; }

    @Override
    public synchronized Optional<DataIdentity> data() { return Optional.ofNullable(data); }

    @Override
    public synchronized void recordData(DataIdentity d) { data = d; }

    @Override
    public synchronized Optional<String> machine() { return Optional.ofNullable(machine); }

    @Override
    public synchronized void recordMachine(dev.lathe.eval.MachineInfo m) {
        machine = TrialResult.json(m);
    }

    @Override
    public synchronized Optional<String> outputKind() { return Optional.ofNullable(outputKind); }

    @Override
    public synchronized void recordOutputKind(String kind) { outputKind = kind; }

    @Override
    public synchronized Optional<String> pruning() { return Optional.ofNullable(pruning); }

    @Override
    public synchronized void recordPruning(String criterionAndRepair) { pruning = criterionAndRepair; }

    @Override
    public synchronized Optional<String> sensitivity() { return Optional.ofNullable(sensitivity); }

    @Override
    public synchronized void recordSensitivity(String reportJson) { sensitivity = reportJson; }

    @Override
    public synchronized CandidateRecord addPending(String genomeKey, String origin, int generation) {
        Optional<CandidateRecord> existing = byGenome(genomeKey);
        if (existing.isPresent()) return existing.get();
        CandidateRecord c = new CandidateRecord(candidates.size() + 1, genomeKey, origin, generation, CandidateStatus.PENDING, null, null, null, null,
                null, null, null, null, null, null, null, null, Instant.now().toString(), null, null);
        candidates.add(c);
        samples.add(new double[2][]);
        return c;
    }

    @Override
    public synchronized void markRunning(long id) {
        CandidateRecord c = row(id);
        set(id, new CandidateRecord(id, c.genomeJson(), c.origin(), c.generation(), CandidateStatus.RUNNING, c.latencyMs(), c.latencyP90Ms(), c.quality(),
                c.qualityMetric(), c.fidelity(), c.accuracy(), c.sizeBytes(), c.parameters(), c.latencyJson(), c.qualityJson(), c.error(), c.evalSeconds(),
                c.createdAt(), c.finishedAt(), c.peakMemoryBytes()));
    }

    @Override
    public synchronized void recordDone(long id, TrialResult r) {
        CandidateRecord c = row(id);
        set(id, new CandidateRecord(id, c.genomeJson(), c.origin(), c.generation(), CandidateStatus.DONE, r.latencyMs(), r.latencyP90Ms(), r.quality(),
                r.qualityMetric(), r.fidelity(), r.accuracy(), r.sizeBytes(), r.parameters(), r.latencyJson(), r.qualityJson(), null, r.evalSeconds(),
                c.createdAt(), Instant.now().toString(), r.peakMemoryBytes()));
        samples.set((int) id - 1, new double[][] {r.latencySamplesMs(), r.cpuSamplesMs()});
    }

    @Override
    public synchronized void recordFailed(long id, String error) {
        CandidateRecord c = row(id);
        set(id, new CandidateRecord(id, c.genomeJson(), c.origin(), c.generation(), CandidateStatus.FAILED, c.latencyMs(), c.latencyP90Ms(), c.quality(),
                c.qualityMetric(), c.fidelity(), c.accuracy(), c.sizeBytes(), c.parameters(), c.latencyJson(), c.qualityJson(), error, c.evalSeconds(),
                c.createdAt(), Instant.now().toString(), c.peakMemoryBytes()));
    }

    @Override
    public synchronized int resetInterrupted() {
        int n = 0;
        for (CandidateRecord c : List.copyOf(candidates))
            if (c.status() == CandidateStatus.RUNNING) {
                set(c.id(), new CandidateRecord(c.id(), c.genomeJson(), c.origin(), c.generation(), CandidateStatus.PENDING, c.latencyMs(), c.latencyP90Ms(),
                        c.quality(), c.qualityMetric(), c.fidelity(), c.accuracy(), c.sizeBytes(), c.parameters(), c.latencyJson(), c.qualityJson(), c.error(),
                        c.evalSeconds(), c.createdAt(), c.finishedAt(), c.peakMemoryBytes()));
                n++;
            }
        return n;
    }

    @Override
    public synchronized List<CandidateRecord> all() { return List.copyOf(candidates); }

    @Override
    public synchronized Optional<CandidateRecord> get(long id) {
        return id < 1 || id > candidates.size() ? Optional.empty() : Optional.of(row(id));
    }

    @Override
    public synchronized Optional<CandidateRecord> byGenome(String genomeKey) {
        return candidates.stream().filter(c -> c.genomeJson().equals(genomeKey)).findFirst();
    }

    @Override
    public synchronized long count(CandidateStatus status) {
        return candidates.stream().filter(c -> c.status() == status).count();
    }

    @Override
    public synchronized Optional<double[]> latencySamples(long id) {
        return get(id).map(c -> samples.get((int) id - 1)[0]);
    }

    @Override
    public synchronized Optional<double[]> cpuSamples(long id) {
        return get(id).map(c -> samples.get((int) id - 1)[1]);
    }

    @Override
    public synchronized ReferenceRun recordReference(int afterCandidates, TrialResult r, String device) {
        ReferenceRun run = new ReferenceRun(references.size() + 1, Instant.now().toString(), afterCandidates, r.latencyMs(), r.latencyP90Ms(),
                r.latencyJson(), r.peakMemoryBytes(), device);
        references.add(run);
        return run;
    }

    @Override
    public synchronized void recordDevice(long id, String device) {
        set(id, row(id).withDevice(device));
    }

    @Override
    public synchronized List<ReferenceRun> references() { return List.copyOf(references); }

    @Override
    public synchronized void appendPredictorReport(PredictorReport report) { predictorReports.add(report); }

    @Override
    public synchronized List<PredictorReport> predictorReports() { return List.copyOf(predictorReports); }

    private final java.util.Map<Long, dev.lathe.study.ConfirmedSpeedup> confirmations = new java.util.TreeMap<>();

    @Override
    public synchronized void recordConfirmation(dev.lathe.study.ConfirmedSpeedup confirmed) { confirmations.put(confirmed.candidateId(), confirmed); }

    @Override
    public synchronized java.util.Map<Long, dev.lathe.study.ConfirmedSpeedup> confirmations() { return java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(confirmations)); }

    @Override
    public synchronized dev.lathe.study.DistilledCandidate recordDistilled(dev.lathe.study.DistilledCandidate d) {
        if (d.candidateId() < 1 || d.candidateId() > candidates.size())
            throw new dev.lathe.study.StudyException(name, "cannot record the distillation of candidate " + d.candidateId() + ": there is none", null);
        dev.lathe.study.DistilledCandidate stored = d.withId(distilled.size() + 1);
        distilled.add(stored);
        return stored;
    }

    @Override
    public synchronized List<dev.lathe.study.DistilledCandidate> distilled() { return List.copyOf(distilled); }

    @Override
    public void close() {}

    private CandidateRecord row(long id) {
        return candidates.get((int) id - 1);
    }

    private void set(long id, CandidateRecord c) {
        candidates.set((int) id - 1, c);
    }
}
