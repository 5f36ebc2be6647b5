package dev.lathe.study;

/**
 * The discretized space a tabular benchmark measured: every group's keep ratio at {@code levels} evenly spaced
 * values of its range, every layer at float32 or an offered precision, every block kept or dropped. {@code size} is
 * how many genomes that is; {@code whole} says all were measured, else {@code sample} random ones plus the corners;
 * {@code repeats} timing repeats are kept per genome.
 */
public record TabularSpace(int levels, int sample, int repeats, double size, boolean whole) {
    public TabularSpace {
        if (levels < 2) throw new IllegalArgumentException("a tabular space needs at least 2 levels per keep ratio, got " + levels);
        if (repeats < 1) throw new IllegalArgumentException("at least 1 timing repeat per genome, got " + repeats);
    }
}
