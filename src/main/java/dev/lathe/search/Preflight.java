package dev.lathe.search;

import dev.lathe.config.StudyConfig;
import dev.lathe.eval.ExecutionProviders;
import dev.lathe.eval.timing.PeakMemory;
import dev.lathe.model.OnnxModel;
import dev.lathe.study.Objective;

/** What must hold before a search starts, checked before the study records anything. */
final class Preflight {
    private Preflight() {}

    /** Keep ranges name groups the model has: a mistyped group id leaves no study behind it. */
    static void checkSpace(StudyConfig asked, OnnxModel original) {
        if (!asked.keepRanges().isDefault())
            asked.keepRanges().requireKnown(dev.lathe.analysis.GroupFinder.analyze(original)); // cached per model hash: the builder reuses it
    }

    /** The provider is available, and peak memory, where it counts, can be read. */
    static void checkMeasuring(StudyConfig bound) {
        ExecutionProviders.require(bound.measuring().provider().id());
        boolean peakReadable = bound.measuring().isolated() && PeakMemory.highWaterMark() != null;
        if (bound.measuring().objective() == Objective.MEMORY && !peakReadable)
            throw new IllegalArgumentException("the peak-memory objective needs measuring in a worker process on Linux (it reads /proc/self/status)");
        if (bound.constraints().needsPeakMemory() && !peakReadable)
            throw new IllegalArgumentException("a peak-memory bound needs measuring in a worker process on Linux (it reads /proc/self/status)");
    }
}
