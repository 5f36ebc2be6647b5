package dev.lathe.model.gate;

import dev.lathe.model.ModelFormatException;

/** A model the gate refused; the message is the verdict's one line, and the verdict holds every problem. */
public final class ModelRejectedException extends ModelFormatException {
    private final transient Verdict verdict;

    ModelRejectedException(Verdict verdict) {
        super(verdict.file(), verdict.oneLine().substring(verdict.file().getFileName().toString().length() + 2));
        this.verdict = verdict;
    }

    public Verdict verdict() { return verdict; }
}
