package dev.lathe.transform;

/**
 * How units are ranked ({@code magnitude} or {@code activation}) and whether the consuming layer is refitted
 * afterwards ({@code none} or {@code lstsq}). The last two need calibration data.
 */
public record PruningOptions(String criterion, String repair) {
    public static final PruningOptions MAGNITUDE = new PruningOptions("magnitude", "none");
    public static final PruningOptions CALIBRATED = new PruningOptions("activation", "lstsq");

    public PruningOptions {
        if (!criterion.equals("magnitude") && !criterion.equals("activation"))
            throw new IllegalArgumentException("unknown importance criterion '" + criterion + "' (magnitude or activation)");
        if (!repair.equals("none") && !repair.equals("lstsq"))
            throw new IllegalArgumentException("unknown repair '" + repair + "' (none or lstsq)");
    }

    public boolean needsCalibration() {
        return criterion.equals("activation") || repair.equals("lstsq");
    }
}
