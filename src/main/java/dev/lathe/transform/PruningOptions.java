package dev.lathe.transform;

/**
 * How units are ranked ({@code magnitude}, {@code activation}, or {@code sensitivity}: the output change when
 * a unit alone is removed, for groups of up to 64 units) and whether the consuming layer is refitted afterwards
 * ({@code none} or {@code lstsq}). All but magnitude/none need calibration data.
 */
public record PruningOptions(String criterion, String repair) {
    public static final PruningOptions MAGNITUDE = new PruningOptions("magnitude", "none");
    public static final PruningOptions CALIBRATED = new PruningOptions("activation", "lstsq");

    public PruningOptions {
        if (!criterion.equals("magnitude") && !criterion.equals("activation") && !criterion.equals("sensitivity"))
            throw new IllegalArgumentException("unknown importance criterion '" + criterion + "' (magnitude, activation or sensitivity)");
        if (!repair.equals("none") && !repair.equals("lstsq"))
            throw new IllegalArgumentException("unknown repair '" + repair + "' (none or lstsq)");
    }

    public boolean needsCalibration() {
        return !criterion.equals("magnitude") || repair.equals("lstsq");
    }
}
