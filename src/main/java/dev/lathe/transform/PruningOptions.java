package dev.lathe.transform;

/**
 * How units are ranked ({@code magnitude}; {@code activation}, |W|·‖x‖; {@code obs}, the error left after the
 * refit without the unit, see {@link OptimalBrainSurgeonImportance}; or {@code sensitivity}: the output change
 * when a unit alone is removed, for groups of up to 64 units) and whether the consuming layer is refitted afterwards
 * ({@code none} or {@code lstsq}). All but magnitude/none need calibration data.
 */
public record PruningOptions(String criterion, String repair) {
    /** Every criterion, most faithful first. */
    public static final java.util.List<String> CRITERIA = java.util.List.of("obs", "activation", "sensitivity", "magnitude");
    public static final PruningOptions MAGNITUDE = new PruningOptions("magnitude", "none");
    public static final PruningOptions CALIBRATED = new PruningOptions("activation", "lstsq");

    public PruningOptions {
        if (!CRITERIA.contains(criterion))
            throw new IllegalArgumentException("unknown importance criterion '" + criterion + "' (" + String.join(", ", CRITERIA) + ")");
        if (!repair.equals("none") && !repair.equals("lstsq"))
            throw new IllegalArgumentException("unknown repair '" + repair + "' (none or lstsq)");
    }

    public boolean needsCalibration() {
        return !criterion.equals("magnitude") || repair.equals("lstsq");
    }
}
