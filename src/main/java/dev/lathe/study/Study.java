package dev.lathe.study;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A study as its readers see it: the trials (candidates with their status, figures and genome), the reference
 * measurements of the original, the objective traded against quality and the constraints a candidate must meet.
 * An immutable snapshot; {@link #front()} is the one definition of the Pareto front that the search, the CLI,
 * the window, the CSV and the HTML report all use.
 *
 * <p>Figures derived from the stored ones live here and nowhere else: the reference latency nearest in time to
 * a candidate, its drift-corrected latency ({@link DriftCorrection}), its speed-up over the original (exactly 1
 * for the original itself, by definition) and its cost on the study's objective.
 */
public final class Study {
    /** The genome key of the unmodified model (what {@code GenomeJson.write(Genome.ORIGINAL)} writes). */
    public static final String ORIGINAL_GENOME = "{\"keep\":{},\"int8\":[]}";

    private final List<CandidateRecord> trials;
    private final List<ReferenceRun> references;
    private final Objective objective;
    private final Constraints constraints;
    private final DriftCorrection drift;
    /** Each pool device's own references: a candidate is compared with the original as measured on its device. */
    private final java.util.Map<String, DriftCorrection> deviceDrift = new java.util.HashMap<>();
    private final CandidateRecord original;
    private List<CandidateRecord> front;

    public Study(List<CandidateRecord> trials, List<ReferenceRun> references, Objective objective, Constraints constraints) {
        this.trials = List.copyOf(trials);
        this.references = List.copyOf(references);
        this.objective = objective == null ? Objective.LATENCY : objective;
        this.constraints = constraints == null ? Constraints.NONE : constraints;
        this.drift = new DriftCorrection(this.references);
        this.references.stream().filter(r -> r.device() != null).map(ReferenceRun::device).distinct().forEach(d ->
                deviceDrift.put(d, new DriftCorrection(this.references.stream().filter(r -> d.equals(r.device())).toList())));
        this.original = this.trials.stream().filter(c -> c.isDone() && isOriginal(c)).findFirst().orElse(null);
    }

    /** The study held by {@code storage}, judged on {@code objective} under {@code constraints}. */
    public static Study load(StudyStorage storage, Objective objective, Constraints constraints) {
        return new Study(storage.all(), storage.references(), objective, constraints);
    }

    public List<CandidateRecord> trials() { return trials; }

    public List<ReferenceRun> references() { return references; }

    public Objective objective() { return objective; }

    public Constraints constraints() { return constraints; }

    public DriftCorrection drift() { return drift; }

    /** The same trials and references judged under other constraints (the front is recomputed, no figure changes). */
    public Study withConstraints(Constraints c) {
        return new Study(trials, references, objective, c);
    }

    /** This study with {@code trial} added, or replacing the trial with its id. */
    public Study with(CandidateRecord trial) {
        List<CandidateRecord> out = new ArrayList<>(trials);
        out.removeIf(c -> c.id() == trial.id());
        out.add(trial);
        out.sort(Comparator.comparingLong(CandidateRecord::id));
        return new Study(out, references, objective, constraints);
    }

    public Optional<CandidateRecord> trial(long id) {
        return trials.stream().filter(c -> c.id() == id).findFirst();
    }

    /** The measured unmodified model, if the study has one. */
    public Optional<CandidateRecord> original() { return Optional.ofNullable(original); }

    public static boolean isOriginal(CandidateRecord c) {
        return ORIGINAL_GENOME.equals(c.genomeJson());
    }

    /**
     * The original's latency measured nearest in time to {@code c}, on {@code c}'s own device where that device
     * measured references (a pool), or null in a study without references.
     */
    public Double referenceMs(CandidateRecord c) {
        if (drift.isEmpty() || c.latencyMs() == null || c.finishedAt() == null) return null;
        DriftCorrection own = c.device() == null ? drift : deviceDrift.getOrDefault(c.device(), drift);
        return own.referenceAt(Instant.parse(c.finishedAt()));
    }

    /**
     * {@code c}'s latency with the machine's drift taken out, or null without references. The original's is the
     * anchor itself (the median of its re-measurements): its speed-up is 1, so its corrected latency is the anchor.
     */
    public Double correctedLatencyMs(CandidateRecord c) {
        Double ref = referenceMs(c);
        if (ref == null) return null;
        return isOriginal(c) ? drift.anchorMs() : drift.corrected(c.latencyMs(), ref);
    }

    /** The latency candidates are compared by: drift-corrected where the study has references, as measured otherwise. */
    public Double comparableLatencyMs(CandidateRecord c) {
        Double corrected = correctedLatencyMs(c);
        return corrected != null ? corrected : c.latencyMs();
    }

    /**
     * How many times faster than the original {@code c} runs: exactly 1 for the original itself; against the
     * reference measured nearest in time where the study has references; else against the original candidate's
     * own latency (studies from before references). Null for a candidate without figures or without a base.
     */
    public Double speedup(CandidateRecord c) {
        if (!c.isDone() || c.latencyMs() == null || c.latencyMs() <= 0) return null;
        if (isOriginal(c)) return 1.0;
        Double ref = referenceMs(c);
        if (ref != null) return ref / c.latencyMs();
        return original == null || original.latencyMs() == null ? null : original.latencyMs() / c.latencyMs();
    }

    /** {@code c}'s figure on the study's objective, lower is better; {@link Double#MAX_VALUE} where it has none. */
    public double cost(CandidateRecord c) {
        Double v = switch (objective) {
            case LATENCY -> comparableLatencyMs(c);
            case MEMORY -> c.peakMemoryBytes() == null ? null : c.peakMemoryBytes().doubleValue();
        };
        return v == null ? Double.MAX_VALUE : v;
    }

    /** What the search minimises: the cost and the negated quality. */
    public double[] objectives(CandidateRecord c) {
        return new double[] {cost(c), -c.quality()};
    }

    public List<Constraints.Violation> violations(CandidateRecord c) {
        return constraints.violations(c, comparableLatencyMs(c));
    }

    /** Done and meeting every constraint. */
    public boolean feasible(CandidateRecord c) {
        return c.isDone() && violations(c).isEmpty();
    }

    /** "latency 9.1 ms > 8 ms; quality 0.91 < 0.98", or "" for a feasible candidate. */
    public String describeViolations(CandidateRecord c) {
        return String.join("; ", violations(c).stream().map(Constraints.Violation::text).toList());
    }

    /** The constraint values the search is told (jMetal's form, see {@link Constraints#values}). */
    public double[] constraintValues(CandidateRecord c) {
        return constraints.values(c, comparableLatencyMs(c));
    }

    /**
     * The Pareto front: the done candidates meeting every constraint that no other such candidate beats on both
     * the objective's cost (lower) and quality (higher), in order of increasing cost. Candidates without a figure
     * on the objective take no part; under constraints nothing infeasible does (Deb's rule: feasible first).
     */
    public List<CandidateRecord> front() {
        if (front == null) {
            // A candidate whose quality run stopped early is below the quality bound by construction; it is left out explicitly too.
            List<CandidateRecord> eligible = trials.stream().filter(this::feasible).filter(c -> c.quality() != null).filter(c -> !StoppedEarly.is(c))
                    .filter(c -> cost(c) < Double.MAX_VALUE).toList();
            Set<Long> ids = new TreeSet<>();
            for (CandidateRecord c : ParetoFront.nonDominated(eligible, this::cost, CandidateRecord::quality)) ids.add(c.id());
            front = eligible.stream().filter(c -> ids.contains(c.id())).sorted(Comparator.comparingDouble(this::cost)).toList();
        }
        return front;
    }

    /** The ids of {@link #front()}. */
    public Set<Long> frontIds() {
        Set<Long> ids = new TreeSet<>();
        for (CandidateRecord c : front()) ids.add(c.id());
        return ids;
    }

    public boolean onFront(CandidateRecord c) {
        return front().stream().anyMatch(f -> f.id() == c.id());
    }
}
