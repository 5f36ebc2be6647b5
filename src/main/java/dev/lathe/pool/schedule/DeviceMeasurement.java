package dev.lathe.pool.schedule;

import dev.lathe.eval.Measurement;

/** A candidate's figures and the device that measured them. */
public record DeviceMeasurement(long candidateId, String device, Measurement measurement) {}
