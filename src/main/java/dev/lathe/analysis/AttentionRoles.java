package dev.lathe.analysis;

/**
 * The layers of an attention block by role: the query, key and value projections that split into heads, and the
 * output projection that reads the merged heads. Transforms that treat the roles differently (SmoothQuant folds
 * into the value projection) read them here instead of by their position among a group's slices.
 */
public record AttentionRoles(Projection query, Projection key, Projection value, String output) {
    /**
     * A projection by node name: its weight, its bias (or null), and for a fused projection (query, key and value side
     * by side in one weight) which of {@code parts} equal sides this one is, along the weight's {@code outputAxis}.
     */
    public record Projection(String node, String weight, String bias, int outputAxis, int side, int parts) {}
}
