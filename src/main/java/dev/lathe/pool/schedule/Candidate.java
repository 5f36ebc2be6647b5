package dev.lathe.pool.schedule;

/** A candidate to measure: its study id and its genome as canonical JSON, which is all that travels to a device. */
public record Candidate(long id, String genomeJson) {}
