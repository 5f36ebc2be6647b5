package dev.lathe.analysis;

/** A weighted layer that no group covers, and why, so nothing is skipped silently. */
public record UnprunableStructure(String node, String reason) {}
