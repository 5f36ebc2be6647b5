package dev.lathe.ui.study;

import dev.lathe.study.CandidateRecord;
import dev.lathe.study.CandidateStatus;
import dev.lathe.transform.genome.Genome;
import javafx.beans.Observable;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What the candidates table shows: words that must all appear in a row's id, status, changes, origin or layer
 * names; the Pareto front only; one status; a least quality and a most latency. Unparsable numbers filter nothing.
 */
final class CandidateFilter {
    /** The status choice: every status, or one of {@link CandidateStatus}. */
    static final String ALL_STATUSES = "all statuses";

    private final StringProperty text = new SimpleStringProperty("");
    private final BooleanProperty paretoOnly = new SimpleBooleanProperty();
    private final ObjectProperty<String> status = new SimpleObjectProperty<>(ALL_STATUSES);
    private final StringProperty minQuality = new SimpleStringProperty("");
    private final StringProperty maxLatency = new SimpleStringProperty("");

    StringProperty textProperty() { return text; }

    BooleanProperty paretoOnlyProperty() { return paretoOnly; }

    ObjectProperty<String> statusProperty() { return status; }

    StringProperty minQualityProperty() { return minQuality; }

    StringProperty maxLatencyProperty() { return maxLatency; }

    static List<String> statusChoices() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(ALL_STATUSES), Arrays.stream(CandidateStatus.values()).map(CandidateStatus::id)).toList();
    }

    /** Everything the predicate depends on, to rebuild it when one changes. */
    Observable[] dependencies() { return new Observable[] {text, paretoOnly, status, minQuality, maxLatency}; }

    /** Whether the filter lets every row through. */
    boolean isEmpty() {
        return terms().length == 0 && !paretoOnly.get() && ALL_STATUSES.equals(status.get()) && number(minQuality.get()) == null && number(maxLatency.get()) == null;
    }

    void clear() {
        text.set("");
        paretoOnly.set(false);
        status.set(ALL_STATUSES);
        minQuality.set("");
        maxLatency.set("");
    }

    /** A fresh predicate over the current settings (a new object each time, so a FilteredList re-filters). */
    Predicate<CandidateRow> predicate() {
        String[] terms = terms();
        boolean front = paretoOnly.get();
        CandidateStatus only = ALL_STATUSES.equals(status.get()) || status.get() == null ? null : CandidateStatus.of(status.get());
        Double least = number(minQuality.get()), most = number(maxLatency.get());
        return row -> {
            CandidateRecord r = row.record();
            if (front && !row.isPareto()) return false;
            if (only != null && r.status() != only) return false;
            if (least != null && (r.quality() == null || r.quality() < least)) return false;
            if (most != null && (r.latencyMs() == null || r.latencyMs() > most)) return false;
            if (terms.length == 0) return true;
            String haystack = searchable(row);
            for (String t : terms) if (!haystack.contains(t)) return false;
            return true;
        };
    }

    /** The words a text filter is matched against, lower case: "#12 12 done 2 groups pruned · 3 int8 nsga2 gen 3 fc1 …". */
    static String searchable(CandidateRow row) {
        CandidateRecord r = row.record();
        StringBuilder b = new StringBuilder().append('#').append(row.id()).append(' ').append(row.id()).append(' ')
                .append(r.status().id()).append(' ').append(row.changes()).append(' ').append(r.origin()).append(" gen ").append(r.generation());
        if (row.isPareto()) b.append(" pareto front");
        if (row.isOriginal()) b.append(" original");
        Genome g = row.genome();
        if (g != null) {
            g.precisions().forEach((layer, p) -> b.append(' ').append(layer).append(' ').append(p.id()));
            g.droppedBlocks().forEach(block -> b.append(' ').append(block));
            g.keepRatios().forEach((group, ratio) -> { if (ratio < 1.0) b.append(' ').append(group); });
        }
        if (r.error() != null) b.append(' ').append(r.error());
        return b.toString().toLowerCase(Locale.ROOT);
    }

    private String[] terms() {
        String t = text.get() == null ? "" : text.get().strip().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }

    /** The number typed in a threshold field, or null when it is blank or not a number. */
    static Double number(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            double v = Double.parseDouble(s.strip().replace(',', '.'));
            return Double.isFinite(v) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
