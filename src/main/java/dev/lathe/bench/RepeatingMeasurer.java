package dev.lathe.bench;

import dev.lathe.eval.CandidateFailedException;
import dev.lathe.eval.CandidateMeasurer;
import dev.lathe.eval.Measurement;
import dev.lathe.eval.SessionInfo;
import dev.lathe.model.OnnxModel;

/**
 * Measures each candidate {@code repeats} times through the measurer it wraps and hands back the first
 * measurement (the one the study records); the latency medians of all repeats wait in {@link #takeRepeats} for
 * the table to store, so a replay can draw one at random as a real re-measurement would differ.
 */
final class RepeatingMeasurer implements CandidateMeasurer {
    private final CandidateMeasurer inner;
    private final int repeats;
    private double[] last;

    RepeatingMeasurer(CandidateMeasurer inner, int repeats) {
        this.inner = inner;
        this.repeats = repeats;
    }

    @Override
    public SessionInfo start() { return inner.start(); }

    @Override
    public Measurement measure(OnnxModel candidate) throws CandidateFailedException {
        last = null;
        Measurement first = inner.measure(candidate);
        double[] medians = new double[repeats];
        medians[0] = first.latency().medianMs();
        for (int r = 1; r < repeats; r++) medians[r] = inner.measure(candidate).latency().medianMs();
        last = medians;
        return first;
    }

    /** The repeats of the candidate measured last, once; null when it failed or they were taken. */
    double[] takeRepeats() {
        double[] r = last;
        last = null;
        return r;
    }

    @Override
    public Measurement measureReference() throws CandidateFailedException { return inner.measureReference(); }

    @Override
    public boolean isolated() { return inner.isolated(); }

    @Override
    public void close() { inner.close(); }
}
