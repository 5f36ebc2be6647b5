package dev.lathe.study;

/** The evaluation data a study was measured on: how it reads to people, and the fingerprint that tells two apart. */
public record DataIdentity(String description, String fingerprint) {}
