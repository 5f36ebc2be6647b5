package dev.lathe.transform.distill;

import dev.lathe.model.OnnxModel;

import java.util.List;

/**
 * A distilled model and how it got there. Held-out figures are on the part of the training data kept aside for early
 * stopping, never trained on; the caller scores the model on its own evaluation data as well.
 *
 * @param curve one point per step: the training loss, and the held-out loss where it was evaluated (else NaN)
 */
public record DistillationResult(OnnxModel model, String objective, String qualityMetric, int steps, int plannedSteps,
                                 long millis, String stopReason, int bestStep, double heldOutLossBefore, double heldOutLossAfter,
                                 double heldOutQualityBefore, double heldOutQualityAfter, int trainSamples, int heldOutSamples,
                                 long trainableValues, List<Point> curve) {
    public record Point(int step, double trainLoss, double heldOutLoss, double learningRate) {}
}
