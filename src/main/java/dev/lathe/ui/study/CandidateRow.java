package dev.lathe.ui.study;

import dev.lathe.study.CandidateRecord;
import dev.lathe.transform.genome.Genome;
import dev.lathe.transform.genome.GenomeJson;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * One candidate as the table and chart show it. The row object stays the same while the search goes on; its
 * record, Pareto membership and speed-up change in place, so selections and cells follow them.
 */
public final class CandidateRow {
    private final long id;
    private final Genome genome;
    private final ObjectProperty<CandidateRecord> record = new SimpleObjectProperty<>();
    private final BooleanProperty pareto = new SimpleBooleanProperty();
    private final ObjectProperty<Double> speedup = new SimpleObjectProperty<>();
    private Double correctedLatencyMs;
    private final javafx.beans.property.StringProperty violations = new javafx.beans.property.SimpleStringProperty("");

    public CandidateRow(CandidateRecord r) {
        this.id = r.id();
        Genome g;
        try {
            g = GenomeJson.read(r.genomeJson());
        } catch (IllegalArgumentException e) {
            g = null;
        }
        this.genome = g;
        record.set(r);
    }

    public long id() { return id; }

    /** The parsed genome, or null when the study holds one this version cannot read. */
    public Genome genome() { return genome; }

    /** The unmodified model: no group pruned and no layer quantized. */
    public boolean isOriginal() { return genome != null && genome.isOriginal(); }

    public ReadOnlyObjectProperty<CandidateRecord> recordProperty() { return record; }

    public CandidateRecord record() { return record.get(); }

    void setRecord(CandidateRecord r) { record.set(r); }

    public ReadOnlyBooleanProperty paretoProperty() { return pareto; }

    public boolean isPareto() { return pareto.get(); }

    void setPareto(boolean p) { pareto.set(p); }

    /** The study's speed-up of this candidate over the original (1 for the original); null until both are measured. */
    public ReadOnlyObjectProperty<Double> speedupProperty() { return speedup; }

    public Double speedup() { return speedup.get(); }

    void setSpeedup(Double s) { speedup.set(s); }

    /** The study's drift-corrected latency of this candidate, null without references. */
    public Double correctedLatencyMs() { return correctedLatencyMs; }

    void setCorrectedLatencyMs(Double ms) { correctedLatencyMs = ms; }

    /** The latency the study compares this candidate by: drift-corrected where it can be, as measured otherwise. */
    public Double comparableLatencyMs() { return correctedLatencyMs != null ? correctedLatencyMs : record().latencyMs(); }

    /** The study's constraints this candidate breaks ("quality 0.91 < 0.98"), or "" when it meets them all. */
    public javafx.beans.property.ReadOnlyStringProperty violationsProperty() { return violations; }

    public String violations() { return violations.get(); }

    void setViolations(String v) { violations.set(v); }

    public boolean isDone() { return record.get().isDone(); }

    /** What the genome changes, in a few words: "2 groups pruned · 3 int8", or "original". */
    public String changes() {
        if (genome == null) return "unreadable genome";
        if (genome.isOriginal()) return "original";
        long pruned = genome.keepRatios().values().stream().filter(r -> r < 1.0).count();
        StringBuilder sb = new StringBuilder();
        if (pruned > 0) sb.append(pruned).append(pruned == 1 ? " group pruned" : " groups pruned");
        for (dev.lathe.transform.genome.Precision p : dev.lathe.transform.genome.Precision.values()) {
            int n = genome.layersAt(p).size();
            if (n == 0) continue;
            if (!sb.isEmpty()) sb.append(" · ");
            sb.append(n).append(' ').append(p.id());
        }
        if (!genome.droppedBlocks().isEmpty()) {
            if (!sb.isEmpty()) sb.append(" · ");
            int n = genome.droppedBlocks().size();
            sb.append(n).append(n == 1 ? " block dropped" : " blocks dropped");
        }
        return sb.toString();
    }
}
