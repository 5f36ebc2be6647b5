package dev.lathe.study;

/** The model a study belongs to: its file, its SHA-256, and the Lathe that created the study and when. */
public record StudyOrigin(String modelPath, String modelSha256, String latheVersion, String createdAt) {}
