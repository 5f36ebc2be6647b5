package dev.lathe.pool.schedule;

/**
 * What a device is doing, for the window and {@code agent --status}: {@code state} is one of idle, measuring,
 * reference, quarantined (lost, never used again), refused (alive, but would not measure or does not match the
 * pool); {@code current} the candidate in flight or null.
 */
public record DeviceState(String id, String name, String state, Long current, int measured, Double lastReferenceMs, String reason) {}
