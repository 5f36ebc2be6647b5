package dev.lathe.transform.distill;

import java.util.Set;

/**
 * How one distillation runs. {@code steps} and {@code maxMillis} both bound it (0 means unbounded; at least one must
 * be set); with only a time bound the schedule is planned from the speed of the first steps.
 *
 * @param heldOutFraction     share of the training data kept aside for early stopping (at least 8 samples, at most 128)
 * @param evaluateEvery       steps between held-out evaluations (0: about 20 evaluations over the planned steps)
 * @param patience            evaluations without improvement before stopping early
 * @param temperature         softening of classifier outputs for the KL term
 * @param labelWeight         weight of cross-entropy against the labels, when the data has them
 * @param hiddenStateWeight   weight of matching the hidden states at block boundaries (0: outputs only); see {@link HiddenStates}
 * @param fakeQuantizedLayers layers (node ids, as genomes name them) trained through straight-through int8 fake
 *                            quantization of their weights and inputs, as dynamic int8 will run them after export
 */
public record DistillationSettings(int steps, long maxMillis, int batchSize, double learningRate, double weightDecay,
                                   double warmUpFraction, double heldOutFraction, int evaluateEvery, int patience,
                                   double temperature, double labelWeight, double clipNorm, long seed,
                                   double hiddenStateWeight, Set<String> fakeQuantizedLayers) {
    public DistillationSettings {
        if (steps <= 0 && maxMillis <= 0) throw new IllegalArgumentException("distillation needs a step count or a time limit");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1");
        if (learningRate <= 0) throw new IllegalArgumentException("learning rate must be positive");
        if (hiddenStateWeight < 0) throw new IllegalArgumentException("hidden-state weight must not be negative");
        fakeQuantizedLayers = Set.copyOf(fakeQuantizedLayers);
    }

    /** The settings without hidden-state matching or fake quantization (the form before those existed). */
    public DistillationSettings(int steps, long maxMillis, int batchSize, double learningRate, double weightDecay,
                                double warmUpFraction, double heldOutFraction, int evaluateEvery, int patience,
                                double temperature, double labelWeight, double clipNorm, long seed) {
        this(steps, maxMillis, batchSize, learningRate, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, 0, Set.of());
    }

    public static DistillationSettings steps(int steps, long seed) {
        return new DistillationSettings(steps, 0, 16, 5e-5, 0.01, 0.1, 0.1, 0, 5, 2.0, 0.5, 1.0, seed);
    }

    public static DistillationSettings minutes(double minutes, long seed) {
        return new DistillationSettings(0, Math.round(minutes * 60_000), 16, 5e-5, 0.01, 0.1, 0.1, 0, 5, 2.0, 0.5, 1.0, seed);
    }

    public DistillationSettings withLearningRate(double lr) {
        return new DistillationSettings(steps, maxMillis, batchSize, lr, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, hiddenStateWeight, fakeQuantizedLayers);
    }

    public DistillationSettings withBatchSize(int batch) {
        return new DistillationSettings(steps, maxMillis, batch, learningRate, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, hiddenStateWeight, fakeQuantizedLayers);
    }

    public DistillationSettings withMaxMillis(long millis) {
        return new DistillationSettings(steps, millis, batchSize, learningRate, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, hiddenStateWeight, fakeQuantizedLayers);
    }

    /** Adds the hidden states at block boundaries to the loss with this weight (1 is a good start; 0 turns it off). */
    public DistillationSettings withHiddenStateWeight(double weight) {
        return new DistillationSettings(steps, maxMillis, batchSize, learningRate, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, weight, fakeQuantizedLayers);
    }

    /** Trains these layers through int8 fake quantization (quantization-aware distillation); empty turns it off. */
    public DistillationSettings withFakeQuantizedLayers(Set<String> layers) {
        return new DistillationSettings(steps, maxMillis, batchSize, learningRate, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, hiddenStateWeight, layers);
    }

    /** The share of the planned steps over which the rate climbs to its peak. */
    public DistillationSettings withWarmUpFraction(double fraction) {
        return new DistillationSettings(steps, maxMillis, batchSize, learningRate, weightDecay, fraction, heldOutFraction, evaluateEvery, patience,
                temperature, labelWeight, clipNorm, seed, hiddenStateWeight, fakeQuantizedLayers);
    }

    public DistillationSettings withPatience(int evaluations) {
        return new DistillationSettings(steps, maxMillis, batchSize, learningRate, weightDecay, warmUpFraction, heldOutFraction, evaluateEvery, evaluations,
                temperature, labelWeight, clipNorm, seed, hiddenStateWeight, fakeQuantizedLayers);
    }
}
