package dev.lathe.transform.pruning;

import dev.lathe.transform.pruning.importance.OptimalBrainSurgeonImportance;

/**
 * How units are ranked ({@code magnitude}; {@code activation}, |W|·‖x‖; {@code obs}, the error left after the
 * refit without the unit, see {@link OptimalBrainSurgeonImportance}; or {@code sensitivity}: the output change
 * when a unit alone is removed, for groups of up to 64 units) and whether the consuming layer is refitted afterwards
 * ({@code none} or {@code lstsq}). All but magnitude/none need calibration data.
 */
public record PruningOptions(String criterion, String repair, int unitMultiple) {
    /** Kept counts of groups with at least 64 units round to multiples of this (8: what int8 and SIMD kernels like); 1 turns it off. */
    public static final int DEFAULT_UNIT_MULTIPLE = 8;

    /** Every criterion, most faithful first. */
    public static final java.util.List<String> CRITERIA = java.util.List.of("obs", "activation", "sensitivity", "magnitude");
    /** lstsq, the refit of the reading layer on calibration activations, or none. */
    public static final java.util.List<String> REPAIRS = java.util.List.of("lstsq", "none");
    public static final PruningOptions MAGNITUDE = new PruningOptions("magnitude", "none");
    public static final PruningOptions CALIBRATED = new PruningOptions("obs", "lstsq");

    public PruningOptions(String criterion, String repair) {
        this(criterion, repair, DEFAULT_UNIT_MULTIPLE);
    }

    public PruningOptions {
        if (unitMultiple < 1) throw new IllegalArgumentException("unit multiple must be at least 1 (1 turns rounding off), got " + unitMultiple);
        if (!CRITERIA.contains(criterion))
            throw new IllegalArgumentException("unknown importance criterion '" + criterion + "' (" + String.join(", ", CRITERIA) + ")");
        if (!REPAIRS.contains(repair))
            throw new IllegalArgumentException("unknown repair '" + repair + "' (" + String.join(", ", REPAIRS) + ")");
    }

    /** What these options become without calibration data: magnitude ranking, no repair, the same rounding. */
    public PruningOptions uncalibrated() {
        return new PruningOptions(MAGNITUDE.criterion(), MAGNITUDE.repair(), unitMultiple);
    }

    public boolean needsCalibration() {
        return !criterion.equals("magnitude") || !repair.equals("none");
    }
}
