package dev.lathe.analysis;

/**
 * A whole residual block (a transformer layer) that can be dropped: everything that reads {@code output}
 * reads {@code input} instead, and the block's nodes fall away.
 */
public record RemovableBlock(String id, String name, String input, String output) {}
