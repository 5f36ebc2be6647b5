package dev.lathe.config;

import dev.lathe.transform.pruning.PruningOptions;

/** How pruned units are ranked and whether the consuming layer is refitted. */
public record PruningConfig(Criterion criterion, Repair repair) {
    /** What new studies use: the refit-aware ranking and a least-squares refit. */
    public static final PruningConfig CALIBRATED = new PruningConfig(Criterion.OBS, Repair.LSTSQ);
    /** What studies from before the choice used. */
    public static final PruningConfig MAGNITUDE = new PruningConfig(Criterion.MAGNITUDE, Repair.NONE);

    public PruningConfig {
        if (criterion == null) throw new IllegalArgumentException("a criterion is required (" + Spelled.allowed(Criterion.class) + ")");
        if (repair == null) throw new IllegalArgumentException("a repair is required (" + Spelled.allowed(Repair.class) + ")");
    }

    public PruningOptions options() {
        return new PruningOptions(criterion.id(), repair.id());
    }
}
